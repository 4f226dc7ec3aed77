// The duplicate matcher (判重): whether two registrations are the same
// petitioner(s) raising the same matter, with a score, a decision and the
// reasons in words a clerk reads.
//
// It works on Features — what of a registration matters for matching, already
// normalised (dedup/normalize.h) — so that a store can keep them and compare
// candidates without reading whole records. It holds no state and touches no
// database: a store retrieves candidates by the keys and terms made here
// (PersonKeys, IndexTerms) and ranks them with Compare.
//
// Thread safety: every function may be called from any thread; a Query is
// immutable once made and may be shared.
// The algorithm, its thresholds and why: dedup/README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <string_view>
#include <vector>

#include "codes/date.h"
#include "codes/result.h"
#include "schema/records.h"

namespace xf::dedup {

// One petitioner, normalised.
struct Person {
  std::string id18;                 // IdNumber18 of the ID number; empty when none
  std::string name;                 // NormalizeName
  std::vector<std::string> phones;  // NormalizePhones
  std::string address;              // NormalizeAddress
};

// What the matcher compares. Text fields are NormalizeText of the record's.
struct Features {
  std::string case_id;
  std::string node;      // the registering body (登记机构)
  Date received_date;
  std::string category;  // 内容分类, 6 digits
  std::string place;     // 问题属地, 6, 9 or 12 digits
  std::vector<Person> persons;
  std::string summary;   // 概况
  std::string requests;  // 诉求
};

Features Extract(const schema::CaseRegistration& c);

// The persons as one line each, "id18\tname\tphone,phone\taddress", joined
// by '\n' (what a store keeps; normalised fields hold no tab or newline).
std::string EncodePersons(const std::vector<Person>& persons);
// Bounded: at most `max_persons` lines are read; a malformed line is skipped.
std::vector<Person> DecodePersons(std::string_view text, std::size_t max_persons = 1000);

// A stable 63-bit hash (FNV-1a 64 with a final mix, top bit clear so that it
// fits an SQLite INTEGER as a positive number). Stored on disk: never change it.
std::int64_t StableHash(std::string_view bytes);
// StableHash(domain + "|" + text), without making the string.
std::int64_t StableHash(std::string_view domain, std::string_view text);

// How the values the matcher compares become numbers. The node's own index
// uses PlainHasher (public hashes: what it stores never changes); a question
// sent to the levels above uses a keyed one (dedup/blind.h: HMAC-SHA256 and
// SipHash under the system key), so that what travels says nothing to
// whoever lacks the key. Equal values give equal numbers under either, so
// the matcher decides the same (dedup/README.md, "The blind index").
//
// Thread safety: implementations are immutable and may be shared.
class Hasher {
 public:
  virtual ~Hasher() = default;
  // A value of a kind (domain: "id", "name", "tel", "addr", "spec", "term",
  // and the keys' "phone", "county", "address"): 63 bits, never 0.
  virtual std::uint64_t Text(std::string_view domain, std::string_view text) const = 0;
  // A character bigram (two code points in one word, first in the high half).
  virtual std::uint64_t Gram(std::uint64_t bigram) const = 0;
};
// Text: StableHash(domain, text) (0 as 1); Gram: the bigram itself.
const Hasher& PlainHasher();

// Keys under which a store finds the same petitioner: for each person, the
// ID number (IdKey), the name with each phone, the name with the county of
// the problem place (an ID number missing and the phone changed), and — only
// for a person with neither ID number nor phone — the name with the last
// eight characters of the address. A key is a hash (63 bits, positive), so
// the store holds no name, phone or ID number in its key index. Sorted,
// without repeats. With the plain hasher these are the stored keys: never
// change them.
std::vector<std::int64_t> PersonKeys(const Features& f, const Hasher& h = PlainHasher());
// Those of PersonKeys that many people share (name + county, name + address):
// a store reads fewer cases under them. Sorted.
std::vector<std::int64_t> BroadKeys(const Features& f, const Hasher& h = PlainHasher());
// The key of an ID number (18 characters), as PersonKeys makes it; also the
// `id` of a Prepared person.
std::int64_t IdKey(std::string_view id18, const Hasher& h = PlainHasher());

// The index terms of the matter's text (for SQLite FTS5 with the unicode61
// tokenizer): the kIndexTerms character trigrams of summary and requests
// (within clauses) of lowest hash (a fixed mix of their code points) — a
// bottom-k sketch — each prefixed
// with the 6-digit county of the problem place, e.g. "110105拆迁补". Which
// trigrams are kept depends on the trigrams, not on the text, so two texts
// that share trigrams share terms; and a case costs the index kIndexTerms
// postings whatever its length. QueryTerms are the same with kQueryTerms
// (more read, nothing more written): a stored text's few terms are among a
// similar query's lowest far more often than among its few.
inline constexpr std::size_t kIndexTerms = 6;
inline constexpr std::size_t kQueryTerms = 40;
std::vector<std::string> IndexTerms(const Features& f);
std::vector<std::string> QueryTerms(const Features& f);
std::string JoinTerms(const std::vector<std::string>& terms);
// Terms as numbers (h.Text("term", term), 63 bits): the blind index's form.
std::vector<std::int64_t> HashTerms(const std::vector<std::string>& terms, const Hasher& h);

// A registration's features as the matcher compares them: every value a
// number made by a Hasher, so that the same comparison runs on a node's own
// cases (PlainHasher) and on a question from below (a keyed hasher) and
// decides alike. Equality of two values is equality of their numbers; an
// address is the same as another when it equals it or one is a suffix of
// the other of at least six characters and half of it (the suffixes that
// could match are hashed: `address_tails`); two names of one kind of detail
// are the same when they share two characters in a row that are not
// generic (their non-generic pairs are hashed).
struct PreparedPerson {
  std::uint64_t id = 0;       // IdKey of the ID number; 0: none
  std::uint64_t name = 0;     // Text("name", NormalizeName); 0: none
  std::vector<std::uint64_t> phones;  // Text("tel", …), sorted
  std::uint64_t address = 0;  // Text("addr", NormalizeAddress); 0: none
  // Text("addr", s) of each suffix s of the address that the address of
  // another could be: at least six characters and half of it, shorter than
  // it. Sorted.
  std::vector<std::uint64_t> address_tails;
};
struct PreparedSpecific {
  int kind = 0;                      // 0 金额, 1 时间, 2 村, 3 公司, 4 小区, 5 医院, 6 学校
  std::vector<std::uint64_t> parts;  // an amount or month: its Text("spec", …); a name: its non-generic pairs'. Sorted.
};
struct Prepared {
  std::string case_id;
  std::string node;
  Date received_date;
  std::string category;  // in clear: what a question may carry
  std::string place;
  std::vector<PreparedPerson> persons;
  // The character bigrams (within clauses) of summary and requests and of
  // both, as h.Gram of each: sorted multisets.
  std::vector<std::uint64_t> summary, requests, all;
  std::vector<PreparedSpecific> specifics;
};
Prepared Prepare(const Features& f, const Hasher& h = PlainHasher());

// How much a character bigram says about a matter: its inverse document
// frequency over a sample of cases, so that the names of villages, companies
// and projects, amounts and dates weigh more than the words every petition
// uses (反映, 要求, 拖欠, 补偿). Without a sample (fewer than kMinDocuments
// cases) every bigram weighs 1.
//
// Thread safety: Add while nobody reads; then immutable (share it as a
// shared_ptr<const BigramWeights>).
class BigramWeights {
 public:
  static constexpr std::size_t kMinDocuments = 200;
  // Counts each distinct bigram of the case's summary and requests once.
  void Add(const Features& f);
  // Tabulates the logarithms once the sample is complete (Weight is then a
  // lookup); optional: without it Weight computes them.
  void Finish();
  // log((N + 1) / (df + 0.5)), at least 0.1; 1 for every bigram below kMinDocuments.
  double Weight(std::uint64_t bigram) const;
  std::size_t Documents() const { return m_documents; }
  // The same weights for the bigrams as `h` makes them (h.Gram of each):
  // what a node weighs a question's keyed bigrams with. Finished.
  BigramWeights Rehashed(const Hasher& h) const;

 private:
  double WeightOf(std::uint32_t df) const;
  std::unordered_map<std::uint64_t, std::uint32_t> m_df;
  std::vector<double> m_by_df;  // WeightOf(df) for df = 0..N, made by Finish
  std::size_t m_documents = 0;
};

// Thresholds, in one place. dedup/README.md explains each value.
struct Thresholds {
  // `duplicate` needs a strong identity (same ID number; or, an ID missing on
  // one side, the same name with the same phone or the same address), the
  // same county as problem place, content categories at most one level
  // apart, and a text similarity of at least:
  double duplicate_text = 0.19;
  // ... or, the identity being the same ID number, at least:
  double duplicate_text_same_id = 0.15;
  // ... plus this when the two texts name different details of one kind
  // (different amounts, villages, companies…); never when they differ in two
  // kinds:
  double differing_extra = 0.25;
  // ... or only this when they share such a detail and differ in none:
  double shared_text = 0.10;
  // `possible` (a clerk should look): a score of at least:
  double possible_score = 0.30;
  // A candidate whose ID number differs (a different person) is `possible`
  // only when the matter text is at least this similar (one letter sent for
  // several people, a collective matter):
  double possible_text_other_person = 0.55;
};

enum class Decision { kNone, kPossible, kDuplicate };
const char* DecisionName(Decision d);  // "none", "possible", "duplicate"

// How sure the two are the same petitioner(s).
enum class Identity {
  kDifferent,      // both have ID numbers and none is shared: different people
  kNone,           // nothing in common
  kWeak,           // the same name only, or the same phone under another name
  kNameAndAddress, // the same name and the same address (ID missing on a side)
  kNameAndPhone,   // the same name and the same phone (ID missing on a side)
  kIdNumber,       // the same ID number
};

struct Match {
  double score = 0;  // 0..1, for ranking
  Decision decision = Decision::kNone;
  Identity identity = Identity::kNone;
  double text = 0;      // similarity of summary and requests together, 0..1
  double summary = 0;   // of the summaries alone
  double requests = 0;  // of the requests alone
  int category_levels = 3;  // content category levels that differ (0..3)
  int place = 0;            // 2 same county, 1 same city, 0 otherwise
  // Details of a kind both texts name (金额, 时间, 村, 公司, 小区, 医院,
  // 学校, 项目), in words: one in common ("涉及同一公司") or none ("涉及金额不同").
  std::vector<std::string> shared, differing;
  std::vector<std::string> reasons;  // in words a clerk reads, strongest first
};

// A query prepared once, to compare against many candidates.
class Query {
 public:
  // `weights` may be null (every bigram weighs 1); it must outlive the Query.
  // From features: prepared with the plain hasher.
  explicit Query(const Features& f, const BigramWeights* weights = nullptr, Thresholds t = {});
  // Prepared already (a question's, with a keyed hasher): candidates must be
  // prepared with the same hasher, and `weights` made for it (Rehashed).
  explicit Query(Prepared p, const BigramWeights* weights = nullptr, Thresholds t = {});
  const Prepared& prepared() const { return m_p; }
  Match Against(const Features& candidate) const;  // prepared with the plain hasher
  Match Against(const Prepared& candidate) const;

 private:
  double Similarity(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) const;
  Prepared m_p;
  const BigramWeights* m_w;
  Thresholds m_t;
};

// Convenience: Query(a, weights).Against(b).
Match Compare(const Features& a, const Features& b, const BigramWeights* weights = nullptr);

// Dice coefficient of two sorted multisets (2·|A∩B| / (|A|+|B|); 0 when both
// are empty).
double Dice(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b);

}  // namespace xf::dedup
