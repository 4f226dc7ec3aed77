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
#include <string_view>

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

// ---- a refused record, as people see it --------------------------------
//
// Between nodes a refusal travels as rule, field and an English reason (the
// receipt's <rejected>, exchange/PROTOCOL.md; the rejections table keeps the
// same). Where a clerk or operator sees one (xfctl import, the status page,
// the conformance report, the log), the words come from the rule and the
// field, in Chinese by default, with the English reason kept beside them.

// "数据不规范" / "malformed data" for "R3"; empty for an unknown rule.
std::string RuleLabel(std::string_view rule, bool en = false);
// A field path in words: "petitioners[0].id_number" → "信访人[0]·公民身份号码";
// a segment without a known label stays as it is; English: the path itself.
std::string FieldLabel(std::string_view field, bool en = false);
// The Chinese words with the path beside: "信访日期（received_date）"; the
// path alone when no segment has a label.
std::string FieldWords(std::string_view field);
// One refusal in a line: "R3 数据不规范，信访日期（received_date）：<reason>";
// English "R3 received_date: <reason>". The reason may be empty.
std::string RejectionLine(std::string_view rule, std::string_view field, std::string_view reason, bool en = false);

}  // namespace xf::node
