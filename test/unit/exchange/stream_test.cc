// The streaming receive path's pieces: file and zstd sources, the batch
// reader over a stream, signatures over files, the receipt's runs, and the
// HTTP server spooling a body to a file and streaming one back.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "exchange/receipt.h"
#include "schema/xml.h"

using namespace xf;
using namespace xf::exchange;
namespace fs = std::filesystem;

namespace {

struct Dir {
  fs::path path;
  Dir() {
    char tmpl[] = "/tmp/xfstream-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~Dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void Write(const fs::path& file, const std::string& data) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << data;
}

std::string ReadAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Everything a source yields, read in small pieces.
Result<std::string> Drain(ByteSource& src, std::size_t piece = 7) {
  std::string out, buf(piece, '\0');
  for (;;) {
    auto n = src.Read(buf.data(), buf.size());
    if (!n) return n.error();
    if (*n == 0) return out;
    out.append(buf.data(), *n);
  }
}

schema::Event Closure(std::uint64_t seq) {
  schema::Event e;
  e.origin = "110105";
  e.seq = seq;
  e.case_id = "110105-2026-000000" + std::to_string(seq % 10);
  e.kind = schema::EventKind::kClosure;
  e.occurred_at = *Instant::Parse("2026-03-01T09:00:00+08:00");
  e.recorded_at = e.occurred_at;
  e.actor = "张三";
  e.body = schema::Closure{"110105", "已办结"};
  return e;
}

std::string BatchOf(std::uint64_t n, std::vector<std::string>* xml_out = nullptr) {
  BatchHeader h;
  h.origin = "110105";
  h.stream = std::string(kUpStream);
  h.seq = 1;
  h.batch_id = MakeBatchId(h.origin, h.stream, h.seq);
  h.destination = std::string(kRootNode);
  h.created = *Instant::Parse("2026-03-01T10:00:00Z");
  h.code_version = "xf-codes-2026.1";
  h.record_count = n;
  std::vector<std::string> xml;
  for (std::uint64_t i = 1; i <= n; ++i) xml.push_back(schema::EventToXml(Closure(i)));
  if (xml_out) *xml_out = xml;
  return BatchXml(h, xml);
}

}  // namespace

TEST_CASE("stream: a zstd source gives back the frame's bytes, bounded, and refuses bad frames") {
  const std::string doc = BatchOf(200);
  auto z = Compress(doc);
  REQUIRE(z);
  {
    auto src = ZstdSource::Make(std::make_unique<MemorySource>(*z), 1u << 30);
    REQUIRE(src);
    auto back = Drain(**src, 1000);
    REQUIRE(back);
    CHECK(*back == doc);
  }
  auto fails = [&](const std::string& frame, std::uint64_t max, Errc code, const std::string& words) {
    auto src = ZstdSource::Make(std::make_unique<MemorySource>(frame), max);
    REQUIRE(src);
    auto back = Drain(**src, 4096);
    REQUIRE_FALSE(back);
    CHECK(back.error().code == code);
    CHECK_MESSAGE(back.error().message.find(words) != std::string::npos, back.error().message);
  };
  fails(*z, 1000, Errc::kLimit, "more than 1000 bytes");
  fails(z->substr(0, z->size() / 2), 1u << 30, Errc::kInvalidArgument, "truncated");
  fails(*z + "trailing", 1u << 30, Errc::kInvalidArgument, "trailing bytes");
  fails("definitely not zstd", 1u << 30, Errc::kInvalidArgument, "not a valid zstd frame");
  fails("", 1u << 30, Errc::kInvalidArgument, "zstd");
}

TEST_CASE("stream: the batch reader over file → zstd gives what the in-memory reader gives") {
  Dir d;
  std::vector<std::string> xml;
  const std::string doc = BatchOf(500, &xml);
  const auto file = d.path / "b.zst";
  {
    auto w = ZstdFileWriter::Create(file);
    REQUIRE(w);
    // In uneven pieces, as a generator would write.
    for (std::size_t at = 0; at < doc.size(); at += 777) REQUIRE((*w)->Write(std::string_view(doc).substr(at, 777)));
    REQUIRE((*w)->Finish());
  }
  auto back = Decompress(ReadAll(file), 1u << 30);
  REQUIRE(back);
  CHECK(*back == doc);
  auto f = FileSource::Open(file);
  REQUIRE(f);
  auto z = ZstdSource::Make(std::move(f).value(), 1u << 30);
  REQUIRE(z);
  auto reader = BatchReader::Open(std::move(z).value());
  REQUIRE(reader);
  CHECK(reader->Header().record_count == 500);
  std::size_t i = 0;
  for (;; ++i) {
    ParsedEvent pe;
    auto more = reader->Next(pe);
    REQUIRE(more);
    if (!*more) break;
    REQUIRE(i < xml.size());
    CHECK(pe.xml == xml[i]);
  }
  CHECK(i == 500);
}

TEST_CASE("stream: the streaming reader keeps the bounds and names what was wrong") {
  SUBCASE("a limit on the decompressed bytes") {
    const std::string doc = BatchOf(100);
    auto z = Compress(doc);
    REQUIRE(z);
    BatchLimits limits;
    limits.max_decompressed = doc.size() / 2;
    auto src = ZstdSource::Make(std::make_unique<MemorySource>(*z), limits.max_decompressed);
    REQUIRE(src);
    auto reader = BatchReader::Open(std::move(src).value(), limits);
    Result<bool> more = true;
    ParsedEvent pe;
    if (reader) {
      while (more && *more) more = reader->Next(pe);
    }
    const Error& e = reader ? more.error() : reader.error();
    CHECK(e.code == Errc::kLimit);
    CHECK_MESSAGE(e.message.find("decompresses to more than") != std::string::npos, e.message);
  }
  SUBCASE("a DOCTYPE, even across the reader's input chunks") {
    std::string doc = "<?xml version=\"1.0\"?>" + std::string(4090, ' ') +
                      "<!DOCTYPE batch [<!ENTITY a \"aaaa\">]><batch xmlns=\"urn:xfnode:exchange:1\"/>";
    auto reader = BatchReader::Open(std::make_unique<MemorySource>(doc));
    REQUIRE_FALSE(reader);
    CHECK_MESSAGE(reader.error().message.find("DOCTYPE") != std::string::npos, reader.error().message);
  }
  SUBCASE("a record count that does not match") {
    std::string doc = BatchOf(3);
    doc.replace(doc.find("<record_count>3<"), 16, "<record_count>4<");
    auto reader = BatchReader::Open(std::make_unique<MemorySource>(doc));
    REQUIRE(reader);
    ParsedEvent pe;
    Result<bool> more = true;
    while (more && *more) more = reader->Next(pe);
    REQUIRE_FALSE(more);
    CHECK(more.error().message.find("record_count") != std::string::npos);
  }
}

TEST_CASE("stream: signatures over a file equal those over its bytes, for both algorithms") {
  Dir d;
  const auto file = d.path / "b.zst";
  std::string bytes(3u << 20, 'x');
  for (std::size_t i = 0; i < bytes.size(); i += 4093) bytes[i] = static_cast<char>(i);
  Write(file, bytes);
  for (auto alg : {SignAlg::kEd25519, SignAlg::kSm2}) {
    CAPTURE(SignAlgName(alg));
    auto key = PrivateKey::Generate(alg);
    REQUIRE(key);
    auto sig = SignFile(*key, file);
    REQUIRE(sig);
    CHECK(VerifyBytes(key->Public(), bytes, *sig));  // the same signature as over the bytes
    std::string hex;
    auto ok = VerifyFile(key->Public(), file, *sig, &hex);
    REQUIRE(ok);
    CHECK(*ok);
    CHECK(hex == Sha256Hex(bytes));
    auto mem_sig = SignBytes(*key, bytes);
    REQUIRE(mem_sig);
    auto ok2 = VerifyFile(key->Public(), file, *mem_sig);
    REQUIRE(ok2);
    CHECK(*ok2);
    std::string altered = bytes;
    altered[2u << 20] ^= 1;
    Write(d.path / "altered.zst", altered);
    auto bad = VerifyFile(key->Public(), d.path / "altered.zst", *sig);
    REQUIRE(bad);
    CHECK_FALSE(*bad);
  }
  auto key = PrivateKey::Generate(SignAlg::kEd25519);
  REQUIRE(key);
  auto missing = VerifyFile(key->Public(), d.path / "absent", "sig");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::kIo);
}

TEST_CASE("stream: a receipt's runs are listed id by id, the same XML as the ids themselves") {
  Receipt a;
  a.batch_id = "110105-up-1";
  a.receiver = "110100";
  a.created = *Instant::Parse("2026-03-01T10:00:00Z");
  Receipt b = a;
  for (std::uint64_t s : {1, 2, 3, 7, 8}) {
    a.Accept("110105", s);
    b.accepted.push_back("110105:" + std::to_string(s));
  }
  a.Accept("110108", 9);
  b.accepted.push_back("110108:9");
  CHECK(a.accepted_runs.size() == 3);
  CHECK(a.AcceptedCount() == 6);
  CHECK(ReceiptXml(a) == ReceiptXml(b));
  auto back = ParseReceiptXml(ReceiptXml(a));
  REQUIRE(back);
  CHECK(back->accepted == b.accepted);
}

TEST_CASE("stream: the server spools a route's body to a file and streams a file back") {
  Dir d;
  fs::create_directories(d.path / "spool");
  const std::string big(5u << 20, 'b');
  Write(d.path / "out.bin", big);
  HttpServerOptions o;
  o.body_limit = 1024;  // small in memory
  o.spool_dir = d.path / "spool";
  o.spool_routes = {{"POST", "/spool", 16u << 20}};
  std::string seen_file_content;
  std::uint64_t seen_size = 0;
  bool in_memory = false;
  HttpServer server(o, [&](const HttpRequest& r) {
    HttpResponse resp;
    if (r.target == "/spool") {
      seen_size = r.body_size;
      seen_file_content = ReadAll(r.body_file);
      in_memory = r.body_file.empty();
      resp.body = "ok";
    } else if (r.target == "/file") {
      resp.body_file = d.path / "out.bin";
    } else {
      resp.body = r.body;
    }
    return resp;
  });
  REQUIRE(server.Start());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.Port());
  Write(d.path / "in.bin", big);
  auto r = HttpCallFile("POST", url + "/spool", {}, d.path / "in.bin");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK_FALSE(in_memory);
  CHECK(seen_size == big.size());
  CHECK(seen_file_content == big);
  // The server removed its spool file once the handler returned.
  CHECK(fs::is_empty(d.path / "spool"));
  // Over the route's limit: 413 from the headers; over the memory limit elsewhere: 413 too.
  Write(d.path / "huge.bin", std::string(17u << 20, 'h'));
  auto over = HttpCallFile("POST", url + "/spool", {}, d.path / "huge.bin");
  REQUIRE(over);
  CHECK(over->status == 413);
  auto small = HttpCall("POST", url + "/echo", {}, std::string(2048, 's'));
  REQUIRE(small);
  CHECK(small->status == 413);
  // A file answer, into a file on the client's side.
  HttpClientOptions copts;
  copts.response_file = d.path / "got.bin";
  auto got = HttpCall("GET", url + "/file", {}, "", copts);
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(got->body_file == d.path / "got.bin");
  CHECK(ReadAll(d.path / "got.bin") == big);
  server.Stop();
}
