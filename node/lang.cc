#include "node/lang.h"

#include <boost/json.hpp>

namespace xf::node {

namespace json = boost::json;

bool English(const exchange::HttpRequest& request) {
  const auto it = request.headers.find("accept-language");
  if (it == request.headers.end()) return false;
  const std::string& v = it->second;
  const auto start = v.find_first_not_of(" \t");
  return start != std::string::npos && (v.compare(start, 2, "en") == 0 || v.compare(start, 2, "EN") == 0);
}

exchange::HttpResponse Problem(int status, const std::string& zh, const std::string& en) {
  json::object o;
  o["error"] = exchange::HttpReason(status);
  o["message"] = zh;
  o["message_en"] = en;
  exchange::HttpResponse r;
  r.status = status;
  r.body = json::serialize(o);
  return r;
}

namespace {

// Returns true when the object changed.
bool Choose(json::object& o, bool en) {
  auto* message_en = o.if_contains("message_en");
  if (message_en == nullptr) return false;
  if (en && message_en->is_string() && !message_en->get_string().empty()) o["message"] = *message_en;
  o.erase("message_en");
  return true;
}

}  // namespace

void Localise(exchange::HttpResponse& response, bool en) {
  // Only answers made here carry both words; a quick look spares parsing the rest.
  if (response.status < 400 || response.body.empty() || response.body.front() != '{' ||
      response.body.find("\"message_en\"") == std::string::npos) {
    return;
  }
  boost::system::error_code ec;
  json::value v = json::parse(response.body, ec);
  if (ec || !v.is_object()) return;
  json::object& o = v.get_object();
  bool changed = Choose(o, en);
  if (auto* list = o.if_contains("violations"); list != nullptr && list->is_array()) {
    for (auto& x : list->get_array()) {
      if (x.is_object()) changed = Choose(x.get_object(), en) || changed;
    }
  }
  if (changed) response.body = json::serialize(v);
}

}  // namespace xf::node
