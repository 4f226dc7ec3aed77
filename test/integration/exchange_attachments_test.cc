// Issue 12, hole 6: attachments are never lost silently, tried with real
// nodes. A batch is complete only with every attachment it names: across an
// air gap it is held (and says which are missing) until they come, and only
// then answered with the receipt that lets the sender mark it delivered; a
// pushing sender posts a batch only once its attachments are delivered; a
// refused batch stores nothing, not even its attachments; an attachment as
// large as R1 allows goes through the local API streamed and resumable.
#include <doctest/doctest.h>

#include <boost/json.hpp>
#include <cstring>
#include <fstream>
#include <sstream>

#include "exchange/batch.h"
#include "exchange/crypto.h"
#include "exchange/http.h"
#include "test/harness/topology.h"

namespace json = boost::json;
namespace fs = std::filesystem;
using xf::test::NodeProcess;
using xf::test::QueryOne;
using xf::test::ReadText;
using xf::test::SourceDir;
using xf::test::TempDir;
using xf::test::Topology;
using xf::test::TopologyOptions;
using xf::test::WaitUntil;
using xf::test::Xfctl;

namespace {

fs::path SampleBlobs() { return SourceDir() / "test" / "data" / "blobs"; }

// A sample case with its attachments, as a node registers it.
std::string CaseWithAttachments(const std::string& file) {
  auto o = json::parse(ReadText(SourceDir() / "test" / "data" / "cases" / "valid" / file)).as_object();
  o.erase("registering_body");
  return json::serialize(o);
}

std::vector<std::string> AttachmentsOf(const std::string& case_json) {
  std::vector<std::string> out;
  const json::value c = json::parse(case_json);
  for (const auto& a : c.at("attachments").as_array()) out.emplace_back(a.at("sha256").as_string());
  return out;
}

// The clerk's way: the attachments first (local API), then the case.
std::string Register(Topology& t, const std::string& node, const std::string& case_json) {
  for (const auto& sha : AttachmentsOf(case_json)) {
    auto r = t.Node(node).Call("PUT", "/v1/blobs/" + sha, ReadText(SampleBlobs() / sha), "application/octet-stream");
    REQUIRE(r);
    REQUIRE_MESSAGE((r->status == 201 || r->status == 200), r->body);
  }
  std::string error;
  const std::string id = t.RegisterCase(node, case_json, &error);
  REQUIRE_MESSAGE(!id.empty(), error);
  return id;
}

std::string Undelivered(Topology& t, const std::string& node, const std::string& link) {
  return QueryOne(t.Dir(node), "SELECT count(*) FROM outbox WHERE link = ?1 AND delivered_at IS NULL", {link});
}

bool HoldsBlob(Topology& t, const std::string& node, const std::string& sha) {
  const fs::path file = t.Dir(node) / "data" / "blobs" / sha.substr(0, 2) / sha;
  return fs::exists(file) && xf::exchange::Sha256Hex(ReadText(file)) == sha;
}

bool StagedOrHeld(Topology& t, const std::string& node, const std::string& sha) {
  return fs::exists(t.Dir(node) / "data" / "blobs" / sha.substr(0, 2) / sha) ||
         fs::exists(t.Dir(node) / "data" / "blobs-incoming" / sha);
}

json::array Awaiting(Topology& t, const std::string& node) {
  const auto s = t.Status(node);
  REQUIRE(s.contains("exchange"));
  return s.at("exchange").at("awaiting_attachments").as_array();
}

xf::test::CommandResult Run(const std::vector<std::string>& args, int expect) {
  auto r = Xfctl(args);
  REQUIRE_MESSAGE(r.status == expect, "xfctl " << args[0] << " exited " << r.status << ":\n" << r.output);
  return r;
}

}  // namespace

TEST_CASE("attachments: an air-gap import missing an attachment is held, says so, and is answered only when complete") {
  TopologyOptions o;
  o.offline = {"110108"};
  Topology t({"110100", "110108"}, o);
  REQUIRE(t.StartAll());
  const std::string city = t.Dir("110100").string(), county = t.Dir("110108").string();

  // ---- the attachment stays behind; a later medium brings it ----
  const std::string body = CaseWithAttachments("visit-property-fee.json");
  const std::string sha = AttachmentsOf(body).at(0);
  const std::string id = Register(t, "110108", body);
  REQUIRE(WaitUntil([&] { return Undelivered(t, "110108", "110100") == "1"; }));
  const fs::path usb1 = t.Root() / "usb1";
  Run({"export", "--node", county, "--link", "110100", "--out", usb1.string()}, 0);
  REQUIRE(fs::exists(usb1 / "blobs" / sha));
  fs::remove(usb1 / "blobs" / sha);  // the clerk forgot it

  auto held = Run({"import", "--node", city, "--in", usb1.string()}, 4);
  CHECK_MESSAGE(held.output.find("HELD") != std::string::npos, held.output);
  CHECK_MESSAGE(held.output.find("缺少附件 " + sha) != std::string::npos, held.output);
  CHECK_FALSE(fs::exists(usb1 / "receipts" / "1.receipt.xml"));  // nothing lets the county mark it delivered
  CHECK_FALSE(t.HasCase("110100", id));
  // Said on /v1/status and on the status page, and no gap is claimed.
  {
    const auto w = Awaiting(t, "110100");
    REQUIRE(w.size() == 1);
    CHECK(w[0].at("batch_id").as_string() == "110108-up-1");
    CHECK(w[0].at("from").as_string() == "110108");
    REQUIRE(w[0].at("missing_attachments").as_array().size() == 1);
    CHECK(w[0].at("missing_attachments").as_array()[0].as_string() == sha);
    CHECK(t.GapCount("110100") == 0);
    auto page = t.Node("110100").Call("GET", "/");
    REQUIRE(page);
    CHECK(page->body.find("id=\"awaiting-attachments\" data-count=\"1\"") != std::string::npos);
    CHECK(page->body.find("data-sha256=\"" + sha + "\"") != std::string::npos);
  }
  // The county has no receipt to take back: the batch stays undelivered.
  Run({"import", "--node", county, "--receipts", (usb1 / "receipts").string()}, 0);
  CHECK(Undelivered(t, "110108", "110100") == "1");

  // A file on the medium that is not the attachment it is named after is refused; still held.
  {
    std::ofstream(usb1 / "blobs" / sha, std::ios::binary) << "不是这个附件";
    auto again = Run({"import", "--node", city, "--in", usb1.string()}, 4);
    CHECK_MESSAGE(again.output.find("介质上的附件 " + sha + " 被拒收") != std::string::npos, again.output);
    CHECK_MESSAGE(again.output.find("hashes to") != std::string::npos, again.output);
    CHECK_FALSE(StagedOrHeld(t, "110100", sha));
    CHECK_FALSE(t.HasCase("110100", id));
  }

  // The next medium carries it: applied, and only now the receipt.
  const fs::path usb2 = t.Root() / "usb2";
  Run({"export", "--node", county, "--link", "110100", "--out", usb2.string()}, 0);
  REQUIRE(fs::exists(usb2 / "blobs" / sha));
  auto applied = Run({"import", "--node", city, "--in", usb2.string()}, 0);
  CHECK_MESSAGE(applied.output.find("110108-up-1") != std::string::npos, applied.output);
  CHECK_MESSAGE(applied.output.find("已应用（applied），接收 1 条") != std::string::npos, applied.output);
  REQUIRE(fs::exists(usb2 / "receipts" / "1.receipt.xml"));
  CHECK(t.HasCase("110100", id));
  CHECK(HoldsBlob(t, "110100", sha));
  CHECK(Awaiting(t, "110100").empty());
  Run({"import", "--node", county, "--receipts", (usb2 / "receipts").string()}, 0);
  CHECK(Undelivered(t, "110108", "110100") == "0");

  // ---- the attachment comes by upload instead ----
  const std::string body2 = CaseWithAttachments("letter-village-assets.json");
  const std::string sha2 = AttachmentsOf(body2).at(0);
  const std::string id2 = Register(t, "110108", body2);
  REQUIRE(WaitUntil([&] { return Undelivered(t, "110108", "110100") == "1"; }));
  const fs::path usb3 = t.Root() / "usb3";
  Run({"export", "--node", county, "--link", "110100", "--out", usb3.string()}, 0);
  fs::remove(usb3 / "blobs" / sha2);
  Run({"import", "--node", city, "--in", usb3.string()}, 4);
  CHECK_FALSE(t.HasCase("110100", id2));
  REQUIRE(Awaiting(t, "110100").size() == 1);
  // Uploaded to the city's local API (resumable, like any attachment): the held batch applies.
  auto put = t.Node("110100").Call("PUT", "/v1/blobs/" + sha2, ReadText(SampleBlobs() / sha2), "application/octet-stream");
  REQUIRE(put);
  REQUIRE_MESSAGE(put->status == 201, put->body);
  REQUIRE_MESSAGE(t.WaitForCase("110100", id2, 1), t.Node("110100").Log());
  CHECK(Awaiting(t, "110100").empty());
  // Imported again, the batch is answered (duplicate: applied already) and the county marks it delivered.
  auto answered = Run({"import", "--node", city, "--in", usb3.string()}, 0);
  CHECK_MESSAGE(answered.output.find("duplicate") != std::string::npos, answered.output);
  REQUIRE(fs::exists(usb3 / "receipts" / "2.receipt.xml"));  // the second batch queued on the link
  Run({"import", "--node", county, "--receipts", (usb3 / "receipts").string()}, 0);
  CHECK(Undelivered(t, "110108", "110100") == "0");
  CHECK(t.CaseEventXml("110100", id2) == t.CaseEventXml("110108", id2));
}

TEST_CASE("attachments: a refused (tampered) batch stores nothing, not even its attachments") {
  TopologyOptions o;
  o.offline = {"110108"};
  Topology t({"110100", "110108"}, o);
  REQUIRE(t.StartAll());
  const std::string body = CaseWithAttachments("joint-letter-factory-fumes.json");
  const auto shas = AttachmentsOf(body);
  REQUIRE(shas.size() == 2);
  const std::string id = Register(t, "110108", body);
  REQUIRE(WaitUntil([&] { return Undelivered(t, "110108", "110100") == "1"; }));
  const fs::path usb = t.Root() / "usb";
  Run({"export", "--node", t.Dir("110108").string(), "--link", "110100", "--out", usb.string()}, 0);
  for (const auto& sha : shas) REQUIRE(fs::exists(usb / "blobs" / sha));
  {
    std::string bytes = ReadText(usb / "1.batch.zst");
    bytes[bytes.size() / 2] ^= 0x01;
    std::ofstream(usb / "1.batch.zst", std::ios::binary | std::ios::trunc) << bytes;
  }
  auto r = Run({"import", "--node", t.Dir("110100").string(), "--in", usb.string()}, 1);
  CHECK_MESSAGE(r.output.find("signature") != std::string::npos, r.output);
  for (const auto& sha : shas) CHECK_FALSE(StagedOrHeld(t, "110100", sha));
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM blobs") == "0");
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM batches") == "0");
  CHECK_FALSE(t.HasCase("110100", id));
  CHECK_FALSE(fs::exists(usb / "receipts" / "1.receipt.xml"));
}

TEST_CASE("attachments: a pushing sender whose attachment upload fails does not post the batch, and retries") {
  Topology t({"110100", "110105"});
  // The city takes attachments of at most 100 bytes: the county's upload of 614 bytes fails (413).
  const fs::path city_yaml = t.Dir("110100") / "xfnode.yaml";
  const std::string yaml = ReadText(city_yaml);
  const std::string limits = "limits:\n  max_attachments: 5\n";
  REQUIRE(yaml.find(limits) != std::string::npos);
  auto with_limit = [&](const std::string& bytes) {
    std::string y = yaml;
    y.replace(y.find(limits), limits.size(), limits + "  max_attachment_bytes: " + bytes + "\n");
    std::ofstream(city_yaml, std::ios::trunc) << y;
  };
  with_limit("100");
  REQUIRE(t.StartAll());
  const std::string body = CaseWithAttachments("visit-property-fee.json");
  const std::string sha = AttachmentsOf(body).at(0);
  const std::string id = Register(t, "110105", body);

  // The county tries, fails on the attachment, and says so; the city has nothing of it.
  auto last_error = [&] {
    const auto s = t.Status("110105");
    for (const auto& l : s.at("exchange").at("links").as_array()) {
      if (l.at("link").as_string() == "110100") return std::string(l.at("last_error").as_string());
    }
    return std::string();
  };
  REQUIRE_MESSAGE(WaitUntil([&] { return last_error().find(sha) != std::string::npos; }), t.Node("110105").Log());
  CHECK_MESSAGE(last_error().find("413") != std::string::npos, last_error());
  CHECK(Undelivered(t, "110105", "110100") == "1");
  CHECK(QueryOne(t.Dir("110100"), "SELECT count(*) FROM batches WHERE origin = '110105'") == "0");
  CHECK_FALSE(t.HasCase("110100", id));
  CHECK_FALSE(StagedOrHeld(t, "110100", sha));

  // The city takes it now: the county's next try delivers the attachment, then the batch.
  t.Stop("110100");
  with_limit("1000");
  REQUIRE(t.Start("110100"));
  REQUIRE_MESSAGE(t.WaitForCase("110100", id, 1), t.Node("110105").Log());
  CHECK(HoldsBlob(t, "110100", sha));
  REQUIRE(WaitUntil([&] { return Undelivered(t, "110105", "110100") == "0"; }));
  CHECK(last_error().empty());
}

TEST_CASE("attachments: a registration naming an attachment no node holds is refused at intake (R6) and never travels") {
  Topology t({"110100", "110105"});
  REQUIRE(t.StartAll());
  const std::string body = CaseWithAttachments("visit-property-fee.json");
  const std::string sha = AttachmentsOf(body).at(0);
  std::string error;
  CHECK(t.RegisterCase("110105", body, &error).empty());
  CHECK_MESSAGE(error.rfind("422", 0) == 0, error);
  CHECK_MESSAGE(error.find("\"R6\"") != std::string::npos, error);
  CHECK_MESSAGE(error.find(sha) != std::string::npos, error);
  CHECK(QueryOne(t.Dir("110105"), "SELECT count(*) FROM events") == "0");
  CHECK(QueryOne(t.Dir("110105"), "SELECT count(*) FROM batches") == "0");
}

namespace {

[[maybe_unused]] std::string ProcStatus(int pid, const std::string& key) {
  std::istringstream in(ReadText("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key + ":", 0) == 0) return line;
  }
  return "";
}

// The running xfnode's pid, from the pid file it holds in its data dir.
[[maybe_unused]] int NodePid(const fs::path& node_dir) {
  const std::string text = ReadText(node_dir / "data" / "xfnode.pid");
  const auto at = text.find("(pid ");
  REQUIRE(at != std::string::npos);
  return std::stoi(text.substr(at + 5));
}

}  // namespace

TEST_CASE("attachments: R1's 50 MiB through the local API, streamed to disk, resumed after the node was killed mid-upload") {
  TempDir dir("xfbig");
  NodeProcess node(dir.Path() / "node", "110105");
  REQUIRE_MESSAGE(node.Start(), node.Log());
  const std::uint64_t size = 50ull << 20;  // limits.max_attachment_bytes
  const fs::path blobs = dir.Path() / "media";
  fs::create_directories(blobs);
  std::string content(size, '\0');
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (std::uint64_t i = 0; i < size; i += 8) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    std::memcpy(content.data() + i, &x, 8);
  }
  const std::string sha = xf::exchange::Sha256Hex(content);
  const fs::path file = blobs / sha;
  std::ofstream(file, std::ios::binary) << content;
  const std::string url_path = "/v1/blobs/" + sha;

  // Two parts of 8 MiB go in, then the node is killed (no orderly shutdown).
  const std::uint64_t part = 8ull << 20;
  for (std::uint64_t from = 0; from < 2 * part; from += part) {
    xf::exchange::HttpHeaders h{{"authorization", "Bearer " + node.Token()},
                                {"content-type", "application/octet-stream"},
                                {"content-range", "bytes " + std::to_string(from) + "-" + std::to_string(from + part - 1) +
                                                      "/" + std::to_string(size)}};
    auto r = xf::exchange::HttpCall("PUT", node.Url() + url_path, h, content.substr(from, part));
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 202, r->body);
  }
  node.Kill();
  REQUIRE_MESSAGE(node.Start(), node.Log());
  auto head = node.Call("HEAD", url_path);
  REQUIRE(head);
  CHECK(head->status == 404);
  CHECK(head->headers["x-xf-received"] == std::to_string(2 * part));

  // xfctl case add --blobs resumes where the node stands and registers the case.
  auto c = json::parse(CaseWithAttachments("visit-property-fee.json")).as_object();
  c["attachments"] = json::array{json::object{
      {"sha256", sha}, {"size", size}, {"media_type", "application/pdf"}, {"name", "现场录像截图.pdf"}}};
  const fs::path case_file = dir.Path() / "case.json";
  std::ofstream(case_file) << json::serialize(c);
  auto added = Xfctl({"case", "add", case_file.string(), "--blobs", blobs.string(), "--node", node.Dir().string()});
  REQUIRE_MESSAGE(added.status == 0, added.output);
  CHECK(added.output.find("已登记 110105-") != std::string::npos);
  head = node.Call("HEAD", url_path);
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->headers["x-xf-received"] == std::to_string(size));
  const fs::path stored = node.Dir() / "data" / "blobs" / sha.substr(0, 2) / sha;
  CHECK(fs::file_size(stored) == size);
  CHECK(xf::exchange::Sha256File(stored).value() == sha);
  CHECK_FALSE(fs::exists(node.Dir() / "data" / "blobs-partial" / sha));

  // A whole 50 MiB body in one PUT goes to disk as it arrives: the node's
  // peak memory stays below the size of the attachment.
  content[0] ^= 1;
  const std::string sha2 = xf::exchange::Sha256Hex(content);
  const fs::path file2 = blobs / sha2;
  std::ofstream(file2, std::ios::binary) << content;
  auto whole = xf::exchange::HttpCallFile("PUT", node.Url() + "/v1/blobs/" + sha2,
                                          {{"authorization", "Bearer " + node.Token()},
                                           {"content-type", "application/octet-stream"}},
                                          file2);
  REQUIRE(whole);
  CHECK_MESSAGE(whole->status == 201, whole->body);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // A sanitizer's shadow memory is the node's peak here, not the upload path.
  MESSAGE("sanitizer build: the upload is checked, its peak memory is not");
#else
  const std::string hwm = ProcStatus(NodePid(node.Dir()), "VmHWM");
  REQUIRE(!hwm.empty());
  const long kb = std::stol(hwm.substr(hwm.find_first_of("0123456789")));
  CHECK_MESSAGE(kb < static_cast<long>(size / 1024), "the node's peak RSS, " << kb << " kB, reached the attachment's size");
#endif

  // One byte over R1's limit: refused before the body is taken.
  content.push_back('x');
  auto over = xf::exchange::HttpCall("PUT", node.Url() + "/v1/blobs/" + xf::exchange::Sha256Hex(content),
                                     {{"authorization", "Bearer " + node.Token()},
                                      {"content-type", "application/octet-stream"}},
                                     content);
  REQUIRE(over);
  CHECK(over->status == 413);
}
