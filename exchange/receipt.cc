#include "exchange/receipt.h"

#include "schema/detail/xml_reader.h"
#include "schema/detail/text.h"
#include "schema/xml.h"

namespace xf::exchange {

void Receipt::Accept(const std::string& origin, std::uint64_t seq) {
  if (!accepted_runs.empty()) {
    auto& last = accepted_runs.back();
    if (last.origin == origin && last.last + 1 == seq) {
      last.last = seq;
      return;
    }
  }
  accepted_runs.push_back({origin, seq, seq});
}

std::uint64_t Receipt::AcceptedCount() const {
  std::uint64_t n = accepted.size();
  for (const auto& run : accepted_runs) n += run.last - run.first + 1;
  return n;
}

std::string ReceiptXml(const Receipt& r) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<receipt xmlns=\"";
  out += schema::kXmlNamespace;
  out += "\">";
  schema::detail::AppendXmlElement(out, "batch_id", r.batch_id);
  schema::detail::AppendXmlElement(out, "origin", r.receiver);
  schema::detail::AppendXmlElement(out, "created", r.created.ToString());
  if (r.status != "applied") schema::detail::AppendXmlElement(out, "status", r.status);
  if (!r.accepted.empty() || !r.accepted_runs.empty()) {
    out += "<accepted>";
    for (const auto& id : r.accepted) schema::detail::AppendXmlElement(out, "event_id", id);
    std::string id;
    for (const auto& run : r.accepted_runs) {
      for (std::uint64_t seq = run.first; seq <= run.last && seq != 0; ++seq) {
        id = run.origin;
        id += ':';
        id += std::to_string(seq);
        schema::detail::AppendXmlElement(out, "event_id", id);
      }
    }
    out += "</accepted>";
  }
  if (!r.rejected.empty()) {
    out += "<rejected>";
    for (const auto& x : r.rejected) {
      out += "<rejection>";
      if (!x.event_id.empty()) schema::detail::AppendXmlElement(out, "event_id", x.event_id);
      schema::detail::AppendXmlElement(out, "rule", x.rule);
      if (!x.field.empty()) schema::detail::AppendXmlElement(out, "field", x.field);
      schema::detail::AppendXmlElement(out, "reason", x.reason);
      out += "</rejection>";
    }
    out += "</rejected>";
  }
  out += "</receipt>\n";
  return out;
}

Result<Receipt> ParseReceiptXml(std::string_view xml) {
  using schema::detail::XmlPull;
  schema::XmlLimits limits;
  limits.max_bytes = 64u << 20;
  XmlPull p(xml, limits);
  auto fail = [&](const std::string& why) -> Error {
    if (p.Failed()) return MakeError(p.error().code, "receipt: " + p.error().message);
    return MakeError(Errc::kInvalidArgument, "receipt: " + why);
  };
  // Text of the element just started.
  auto text = [&](std::string& out) -> bool {
    out.clear();
    for (auto t = p.Next(); t != XmlPull::Tok::kEnd; t = p.Next()) {
      if (t != XmlPull::Tok::kText) return false;
      out += p.Text();
    }
    return true;
  };
  if (p.Next() != XmlPull::Tok::kStart || p.Name() != "receipt" || !schema::detail::IsOurs(p.Ns())) {
    return fail("not a <receipt>");
  }
  Receipt r;
  std::string v;
  for (auto t = p.Next(); t != XmlPull::Tok::kEnd; t = p.Next()) {
    if (t != XmlPull::Tok::kStart) return fail("unexpected content");
    const std::string name = p.Name();
    if (name == "accepted" || name == "rejected") {
      for (auto u = p.Next(); u != XmlPull::Tok::kEnd; u = p.Next()) {
        if (u != XmlPull::Tok::kStart) return fail("unexpected content in <" + name + ">");
        if (name == "accepted") {
          if (p.Name() != "event_id" || !text(v)) return fail("bad <accepted>");
          r.accepted.push_back(v);
          continue;
        }
        if (p.Name() != "rejection") return fail("bad <rejected>");
        Rejection x;
        for (auto w = p.Next(); w != XmlPull::Tok::kEnd; w = p.Next()) {
          if (w != XmlPull::Tok::kStart) return fail("bad <rejection>");
          const std::string field = p.Name();
          if (!text(v)) return fail("bad <" + field + ">");
          if (field == "event_id") x.event_id = v;
          else if (field == "rule") x.rule = v;
          else if (field == "field") x.field = v;
          else if (field == "reason") x.reason = v;
          else return fail("unknown <" + field + ">");
        }
        r.rejected.push_back(std::move(x));
      }
      continue;
    }
    if (!text(v)) return fail("bad <" + name + ">");
    if (name == "batch_id") r.batch_id = v;
    else if (name == "origin") r.receiver = v;
    else if (name == "status") r.status = v;
    else if (name == "created") {
      auto i = Instant::Parse(v);
      if (!i) return fail("bad <created>");
      r.created = *i;
    } else {
      return fail("unknown <" + name + ">");
    }
  }
  if (p.Failed()) return fail("");
  if (r.batch_id.empty() || r.receiver.empty()) return fail("lacks batch_id or origin");
  return r;
}

}  // namespace xf::exchange
