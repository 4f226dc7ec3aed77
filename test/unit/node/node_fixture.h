// Shared helpers of the node tests: temporary directories, file access, a
// valid registration and a raw second SQLite connection.
#pragma once

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "codes/codebook.h"
#include "codes/date.h"
#include "schema/records.h"
#include "xf/source_dir.h"

namespace xf::node::testing {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with its contents.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "xf_node_test.XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return m_path; }
  fs::path operator/(std::string_view name) const { return m_path / name; }

 private:
  fs::path m_path;
};

inline std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteFile(const fs::path& p, std::string_view text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

// Every file in `dir` (recursively) with its bytes: to show that an
// operation left a directory exactly as it was.
inline std::map<std::string, std::string> Snapshot(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string rel = fs::relative(e.path(), dir).string();
    out[rel] = e.is_regular_file() ? ReadFile(e.path()) : std::string("<dir>");
  }
  return out;
}

inline std::vector<fs::path> FilesWithExtension(const fs::path& dir, std::string_view ext) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ext) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The code book shipped in codes/data, loaded once.
inline const codes::CodeBook& Book() {
  static const auto loaded = codes::CodeBook::Load(XF_SOURCE_DIR "/codes/data");
  if (!loaded) FAIL("cannot load codes/data: " << loaded.error().message);
  return **loaded;
}

inline Instant At(std::string_view iso) {
  const auto t = Instant::Parse(iso);
  if (!t) throw std::runtime_error("bad instant in a test: " + std::string(iso));
  return *t;
}

// A registration that passes validation (received 2026-02-16), without a
// case id or registering body: the node fills them.
inline schema::CaseRegistration ValidCase() {
  schema::CaseRegistration c;
  c.received_date = Date{2026, 2, 16};
  c.channel = "200";
  c.visit_type = "1";
  c.registrar = "王晓梅";
  schema::Petitioner p;
  p.name = "李建国";
  p.gender = "1";
  p.ethnicity = "01";
  p.id_number = "440524188001010014";
  p.phone = "138-1234-5678";
  p.address = "北京市朝阳区建国路88号";
  p.address_division = "110105";
  p.first = true;
  c.petitioners.push_back(p);
  c.summary = "信访人反映所在小区物业公司擅自提高物业费。";
  c.requests = "要求按合同标准收取物业费。";
  c.problem_place = "110105";
  c.content_category = "010101";
  c.purpose = "02";
  c.due_date = Date{2026, 4, 17};
  return c;
}

// A raw connection of its own, as another process or the sqlite3 shell
// would have: it bypasses the Store entirely.
class RawDb {
 public:
  explicit RawDb(const fs::path& file) {
    if (sqlite3_open_v2(file.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      throw std::runtime_error("cannot open " + file.string());
    }
    sqlite3_busy_timeout(m_db, 10000);
  }
  ~RawDb() { sqlite3_close_v2(m_db); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // SQLITE_OK or the error code; the message is kept in Error().
  int Exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err);
    m_error = err ? err : "";
    sqlite3_free(err);
    return rc;
  }
  // The first column of the first row, as text ("" when no row).
  std::string Scalar(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw std::runtime_error("prepare: " + std::string(sqlite3_errmsg(m_db)));
    }
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) {
      const auto* p = sqlite3_column_text(st, 0);
      out = p ? reinterpret_cast<const char*>(p) : "";
    }
    sqlite3_finalize(st);
    return out;
  }
  const std::string& Error() const { return m_error; }
  sqlite3* get() const { return m_db; }

 private:
  sqlite3* m_db = nullptr;
  std::string m_error;
};

}  // namespace xf::node::testing
