// A labelled set of registrations for measuring the matcher (xfctl bench
// dedup, and the quality test on a smaller set): generated, deterministic
// for a seed on every platform (its own random generator, no std
// distributions), with the ground truth of which registrations are the same
// petitioner(s) raising the same matter.
//
// What it holds (dedup/README.md, "The labelled set"): matters of fourteen
// kinds in thirty counties, each registered one to five times by different
// clerks — clauses reordered, reworded, added and dropped, amounts and dates
// written differently (5万元 / 50000元 / 伍万元, 2024年3月 / 2024-03), 同音字
// typos, the ID number missing (name and phone only) or in its 15-digit
// form, the phone changed, the address written with or without its
// province and district, the content category one level apart, the problem
// place at county or township precision, the same letter sent to several
// bodies (一信多投) — and the hard negatives: the same person raising another
// matter (often of the same kind), neighbours and co-workers raising the same
// collective matter each as their own petitioner, and different people with
// the same common name.
//
// Records pass validation (R1–R3) except the few ID numbers written in their
// 15-digit first-generation form, which main's validation refuses today.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "dedup/matcher.h"
#include "schema/records.h"

namespace xf::dedup::labelled {

struct Options {
  std::uint64_t seed = 20261122;
  // At least this many registrations (the set ends with the matter that
  // reaches it).
  int registrations = 3000;
};

struct Registration {
  schema::CaseRegistration record;  // case_id empty; registering_body set
  int matter = 0;      // the truth: the same id ⇔ the same petitioner(s) and the same matter
  int person = 0;      // the first petitioner
  int collective = -1; // the collective matter it belongs to, if any (each petitioner its own matter)
  std::string kind;    // "first", "rewrite", "one-letter-many-bodies"
};

// Sorted by received date, then by generation order: the order to register them in.
std::vector<Registration> Generate(const Options& options = {});

// A candidate found for a registration: its index in the set, best first.
struct Candidate {
  int index = 0;
  Decision decision = Decision::kNone;
};

// Precision and recall over a set registered in order, each registration
// checked against those before it.
class Evaluation {
 public:
  explicit Evaluation(const std::vector<Registration>& set);

  // The candidates found for set[i] (indexes < i), best first.
  void Observe(int i, const std::vector<Candidate>& ranked);

  struct Figures {
    long queries = 0;           // registrations observed
    long true_pairs = 0;        // (later, earlier) pairs of the same matter among them
    long duplicate_links = 0;   // pairs decided `duplicate`
    long duplicate_correct = 0; // of which the same matter
    long top5_found = 0;        // true pairs whose earlier case is among the first 5 candidates
    double precision = 0;       // duplicate_correct / duplicate_links
    double recall = 0;          // duplicate_correct / true_pairs
    double top5_recall = 0;     // top5_found / true_pairs
    // Wrong `duplicate` links by what the two were: "same person, other
    // matter", "collective matter, other petitioner", "same name, other
    // person", "other".
    std::map<std::string, long> false_links;
    // True pairs not decided `duplicate`: "possible" (found, a clerk would
    // see it) or "not found".
    std::map<std::string, long> missed;
  };
  Figures Result() const;

 private:
  const std::vector<Registration>& m_set;
  Figures m_f;
};

}  // namespace xf::dedup::labelled
