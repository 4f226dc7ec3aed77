// Attachment blobs on disk, addressed by SHA-256: DIR/ab/abcdef….
// A blob is written to a temporary file, fsynced, checked against its hash
// and renamed into place, so a stored blob is always complete and correct.
//
// Resumable uploads (exchange/PROTOCOL.md, "Attachments"): the bytes of a
// blob still arriving are appended to DIR-partial/<sha256>; when the last
// part is in, the whole is hashed and, if it matches its name, moved into
// place; if not, it is discarded. Orphan partial files (a sender that never
// came back) are harmless.
//
// Staged blobs (issue 12): a blob received from a peer (exchange PUT, a
// pull, an import) is hash-checked and kept apart, in DIR-incoming/<sha256>,
// until a batch whose signature verified names it; Claim then moves it into
// place. So a refused batch stores nothing, not even its attachments. A
// staged blob that no batch claims is removed by PurgeStaged (at start).
// Has() knows only blobs in place; Staged() those waiting to be claimed.
//
// Files are created 0640 (less under the process's umask: see
// node/data_dir.h) and fsynced with their directory before they count.
//
// Thread safety: all methods may be called from any thread; appends to one
// partial upload are serialised.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>

#include "codes/result.h"

namespace xf::node {

class BlobStore {
 public:
  explicit BlobStore(std::filesystem::path dir)
      : m_dir(std::move(dir)), m_partial_dir(m_dir.string() + "-partial"), m_staged_dir(m_dir.string() + "-incoming") {}
  std::filesystem::path PathOf(std::string_view sha256) const;
  bool Has(std::string_view sha256) const;
  // kInvalidArgument when the content's hash is not `sha256`.
  Status Put(std::string_view sha256, std::string_view content) const;
  // The same from a file, read as a stream; the file is left as it was.
  // With `stage`, the blob is staged instead of put in place.
  Status PutFile(std::string_view sha256, const std::filesystem::path& file, bool stage = false) const;
  Result<std::string> Get(std::string_view sha256) const;
  // Size of a stored blob (kNotFound when absent).
  Result<std::uint64_t> Size(std::string_view sha256) const;
  // `length` bytes from `offset` of a stored blob (fewer at its end).
  Result<std::string> GetRange(std::string_view sha256, std::uint64_t offset, std::uint64_t length) const;

  // ---- resumable uploads ----
  // Bytes received so far of a partial upload (0 when none).
  std::uint64_t PartialSize(std::string_view sha256) const;
  // Appends `part` (a file's bytes) at `offset`. kAlreadyExists when
  // `offset` is not the number of bytes received so far (the caller
  // answers with PartialSize and the sender resumes from there).
  Status AppendPartial(std::string_view sha256, std::uint64_t offset, const std::filesystem::path& part) const;
  // The same with the part's bytes in memory (a ranged download).
  Status AppendPartialBytes(std::string_view sha256, std::uint64_t offset, std::string_view part) const;
  // The upload is complete: hashes it and moves it into place (durably), or
  // discards it and fails (kInvalidArgument) when the hash is not its name.
  // With `stage`, it is staged instead.
  Status CommitPartial(std::string_view sha256, bool stage = false) const;

  // ---- staged blobs ----
  bool Staged(std::string_view sha256) const;
  // Size of a staged blob (kNotFound when not staged).
  Result<std::uint64_t> StagedSize(std::string_view sha256) const;
  // Moves a staged blob into place (durably) and answers its size. A blob
  // in place already wins (the staged copy is dropped). kNotFound when it
  // is neither staged nor in place.
  Result<std::uint64_t> Claim(std::string_view sha256) const;
  // Removes staged blobs older than `max_age` (by modification time).
  // Answers how many were removed.
  std::size_t PurgeStaged(std::chrono::seconds max_age) const;

 private:
  Status Place(std::string_view sha256, const std::filesystem::path& verified_tmp, bool stage = false) const;
  std::filesystem::path StagedPath(std::string_view sha256) const { return m_staged_dir / std::string(sha256); }
  std::filesystem::path m_dir;
  std::filesystem::path m_partial_dir;
  std::filesystem::path m_staged_dir;
  mutable std::mutex m_partial_mutex;
};

}  // namespace xf::node
