// The upward duplicate question and its answer (exchange/PROTOCOL.md,
// "Duplicates across the hierarchy"): what a node asks its parent, in JSON,
// and what comes back. A question carries no personal data in clear — the
// petitioners' ID numbers, names, phones and addresses, the retrieval keys,
// the text's terms, bigrams and named details are numbers made with the
// system key (dedup/blind.h) — only the content category, the problem place
// and the received date in clear. An answer carries what a county may see of
// a case held elsewhere: its id, the node that registered it, dates, status,
// and the matcher's score, decision and reasons.
//
// Parsers take bytes from another node: bounded (Limits), strict (every
// member of its type and form, unknown members ignored), never trusting an
// order (lists are sorted here). Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "codes/result.h"
#include "dedup/matcher.h"

namespace xf::dedup::wire {

inline constexpr std::string_view kQuestionFormat = "xfnode-dedup-question-1";
inline constexpr std::string_view kAnswerFormat = "xfnode-dedup-answer-1";

struct Limits {
  std::size_t max_bytes = 512u << 10;    // of a question or an answer
  std::size_t max_persons = 20;
  std::size_t max_phones = 8;            // per person
  std::size_t max_address_tails = 512;   // per person
  std::size_t max_keys = 256;            // retrieval keys
  std::size_t max_terms = 64;
  std::size_t max_grams = 16384;         // per text (summary, requests)
  std::size_t max_specifics = 64;
  std::size_t max_parts = 64;            // per specific
  std::size_t max_candidates = 50;
  std::size_t max_reasons = 16;          // per candidate
  std::size_t max_reason_bytes = 200;
  std::size_t max_nodes = 16;            // searched, unreachable
  std::size_t max_cases = 1000;          // timeline entries
};

enum class Kind { kCheck, kTimeline };

struct Question {
  Kind kind = Kind::kCheck;
  std::string key_id;     // the system key the numbers were made with
  std::string exclude;    // a node id: its subtree is searched already (the asker's)
  std::string case_id;    // optional: the case being checked, left out of the answer
  std::size_t limit = 10; // candidates (1–50) or timeline entries (1–1000) wanted
  // kCheck: retrieval keys (PersonKeys), those of them many share
  // (BroadKeys), the text's terms (HashTerms of QueryTerms), and the
  // registration as the matcher compares it (only category, place and
  // received_date in clear; case_id and node are not sent).
  std::vector<std::int64_t> keys, broad_keys, terms;
  Prepared prepared;
  // kTimeline: the ID number's key (IdKey).
  std::int64_t id = 0;
};

struct Candidate {
  std::string case_id, node;
  std::string received_date;  // YYYY-MM-DD
  std::string status;         // as the answering level knows the case
  double score = 0;           // 0–1, two decimals
  std::string decision;       // "duplicate" or "possible"
  std::vector<std::string> reasons;
  // The level whose search found it (the answering level or one above it);
  // an answer without it (an older node) means the answering level.
  std::string found_by;
};

struct TimelineEntry {
  std::string case_id, node, received_date, status;
  std::string due_date, accepted_at, closed_at, updated_at;  // "" when not set
  bool overdue = false;
};

struct Answer {
  std::string node;                       // the level that answers
  std::vector<std::string> searched;      // levels whose cases were searched, this one first
  std::vector<std::string> unreachable;   // levels above that did not answer
  std::map<std::string, std::string> why; // unreachable level → why (for people)
  std::vector<Candidate> candidates;      // kCheck, best first
  std::vector<TimelineEntry> cases;       // kTimeline, oldest first
};

// The question of a check (kCheck) for `f`, its numbers made with `h` (the
// system key, named `key_id`): PersonKeys, BroadKeys, HashTerms of
// QueryTerms and Prepare. `exclude` is the asker (its subtree it searched).
Question CheckQuestion(const Features& f, const Hasher& h, std::string key_id, std::string exclude,
                       std::size_t limit = 10);

std::string QuestionJson(const Question& q);
// kInvalidArgument naming the member at fault; kLimit past a limit.
Result<Question> ParseQuestion(std::string_view json, const Limits& limits = {});
std::string AnswerJson(const Answer& a);
Result<Answer> ParseAnswer(std::string_view json, const Limits& limits = {});

// 16 lowercase hex digits.
std::string Hex64(std::uint64_t v);

// The system key as a node keeps it (DATA_DIR/dedup.key) and a parent
// answers it to a child (GET /v1/exchange/dedup/key; exchange/PROTOCOL.md,
// "The system key's document"). Two formats:
//   xfnode-dedup-key-2 (signed, what every node writes now):
//     {"format":"xfnode-dedup-key-2","key_id":…,"key":<64 lowercase hex>,
//      "signer":<node id>,"signature":<base64>}
//     where `signature` is the signer's node signing key over the ASCII text
//     SignedText(k) (exchange::SignBytes: Ed25519 over its SHA-256, or SM2
//     with SM3), verified by the node (node/dedup_key.h);
//   xfnode-dedup-key-1 (unsigned, from before; read, never served as new):
//     {"format":"xfnode-dedup-key-1","key_id":…,"key":<64 lowercase hex>}.
// Relays keep and pass the document's bytes as received: this parser only
// reads them, and KeyDocumentJson is for the signer (and the tests).
inline constexpr std::string_view kKeyFormat = "xfnode-dedup-key-1";
inline constexpr std::string_view kSignedKeyFormat = "xfnode-dedup-key-2";
inline constexpr std::size_t kMaxKeyDocument = 4096;
inline constexpr std::size_t kMaxKeySignature = 1024;  // base64 characters
struct KeyDocument {
  std::string key_id;     // 1–64 printable ASCII characters, no space
  std::string secret;     // 32 bytes
  std::string signer;     // a node id (schema::IsNodeId); "" for an unsigned (-1) document
  std::string signature;  // base64 as written (1–kMaxKeySignature characters); "" when unsigned
  bool Signed() const { return !signer.empty(); }
};
// xfnode-dedup-key-2 when k.Signed(), else xfnode-dedup-key-1.
std::string KeyDocumentJson(const KeyDocument& k);
// What the signer signs: the ASCII text
// "xfnode-dedup-key-2 <signer> <key_id> <key, 64 lowercase hex>".
std::string SignedText(const KeyDocument& k);
// Either format. kLimit past kMaxKeyDocument bytes; kInvalidArgument naming
// the member at fault (a -2 document without signer or signature, a signer
// that is not a node id, a signature that is not base64).
Result<KeyDocument> ParseKeyDocument(std::string_view json);

}  // namespace xf::dedup::wire
