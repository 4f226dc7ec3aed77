// Words for people on the local API: Chinese (zh-CN) by default, English
// when the request asks for it (Accept-Language: en…). The machine-readable
// parts of an answer (error, field, rule, code, record) are the same in both.
//
// A handler that has the request at hand may choose at once (English());
// one that has not answers with both words, Problem(status, zh, en) or
// violations with "message_en" beside "message" (schema::Words::kBoth), and
// Api::Handle keeps the one asked for (Localise) before the answer leaves.
//
// Thread safety: free functions without state.
#pragma once

#include <string>

#include "exchange/http.h"

namespace xf::node {

// True when the request's first language preference is English
// ("Accept-Language: en", "en-US,en;q=0.9"); "zh-CN,…" or none: Chinese.
bool English(const exchange::HttpRequest& request);

// {"error": reason, "message": zh, "message_en": en}: to be localised.
exchange::HttpResponse Problem(int status, const std::string& zh, const std::string& en);

// Keeps the words of one language in a JSON answer: "message" becomes
// "message_en" when en (else stays Chinese) and "message_en" goes, at the top
// and in each of "violations". Any other body is left as it is.
void Localise(exchange::HttpResponse& response, bool en);

}  // namespace xf::node
