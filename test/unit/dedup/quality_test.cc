// The matcher's quality on a fixed labelled set (quality is behaviour, not
// timing): every registration compared with every earlier one, ranked by
// score, as a store's retrieval would hand them over at best. The store's
// own retrieval is measured on a set of its own in test/unit/node.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>

#include "dedup/labelled.h"
#include "dedup/matcher.h"

namespace xf::dedup {
namespace {

labelled::Evaluation::Figures BruteForce(const std::vector<labelled::Registration>& set) {
  labelled::Evaluation eval(set);
  std::vector<Features> features;
  features.reserve(set.size());
  for (const auto& r : set) features.push_back(Extract(r.record));
  BigramWeights weights;  // as a store weighs: over the cases it holds
  for (const auto& f : features) weights.Add(f);
  for (std::size_t i = 0; i < set.size(); ++i) {
    const Query q(features[i], &weights);
    std::vector<std::pair<Match, int>> found;
    for (std::size_t j = 0; j < i; ++j) {
      Match m = q.Against(features[j]);
      if (m.decision != Decision::kNone) found.emplace_back(std::move(m), static_cast<int>(j));
    }
    std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first.score > b.first.score; });
    std::vector<labelled::Candidate> ranked;
    for (const auto& [m, j] : found) ranked.push_back({j, m.decision});
    eval.Observe(static_cast<int>(i), ranked);
  }
  return eval.Result();
}

TEST_CASE("quality: a fixed labelled set of 1,200 registrations meets the targets") {
  labelled::Options o;
  o.seed = 7;
  o.registrations = 1200;
  const auto set = labelled::Generate(o);
  REQUIRE(set.size() >= 1200);
  const auto f = BruteForce(set);
  MESSAGE("pairs " << f.true_pairs << ", duplicate links " << f.duplicate_links << " (" << f.duplicate_correct
                   << " right): precision " << f.precision << ", recall " << f.recall << ", top-5 recall "
                   << f.top5_recall);
  for (const auto& [k, n] : f.false_links) MESSAGE("false link: " << k << " " << n);
  for (const auto& [k, n] : f.missed) MESSAGE("missed: " << k << " " << n);
  CHECK(f.true_pairs > 300);
  CHECK(f.precision >= 0.97);
  CHECK(f.recall >= 0.95);
  CHECK(f.top5_recall >= 0.99);
}

TEST_CASE("quality: the set holds what it promises") {
  labelled::Options o;
  o.seed = 7;
  o.registrations = 1200;
  const auto set = labelled::Generate(o);
  // Deterministic for a seed.
  const auto again = labelled::Generate(o);
  REQUIRE(again.size() == set.size());
  for (std::size_t i = 0; i < set.size(); ++i) {
    CHECK(again[i].record.summary == set[i].record.summary);
    CHECK(again[i].matter == set[i].matter);
  }
  // Hard negatives and variations are all there.
  std::set<int> collectives;
  std::map<int, std::set<int>> matters_of_person;
  std::map<std::string, std::set<int>> persons_of_name;
  int missing_id = 0, fifteen = 0, many_bodies = 0, near_category = 0;
  std::map<int, std::set<std::string>> categories_of_matter;
  for (const auto& r : set) {
    if (r.collective >= 0) collectives.insert(r.collective);
    matters_of_person[r.person].insert(r.matter);
    const auto& p = r.record.petitioners.front();
    persons_of_name[p.name].insert(r.person);
    missing_id += p.id_number.empty();
    fifteen += p.id_number.size() == 15;
    many_bodies += r.kind == "one-letter-many-bodies";
    categories_of_matter[r.matter].insert(r.record.content_category);
  }
  for (const auto& [m, cats] : categories_of_matter) near_category += cats.size() > 1;
  int persons_with_two_matters = 0, shared_names = 0;
  for (const auto& [p, ms] : matters_of_person) persons_with_two_matters += ms.size() > 1;
  for (const auto& [n, ps] : persons_of_name) shared_names += ps.size() > 1;
  MESSAGE("collective matters " << collectives.size() << ", persons with several matters " << persons_with_two_matters
                                << ", names shared by several people " << shared_names << ", without ID "
                                << missing_id << ", 15-digit IDs " << fifteen << ", 一信多投 " << many_bodies
                                << ", matters with categories a level apart " << near_category);
  CHECK(collectives.size() >= 10);
  CHECK(persons_with_two_matters >= 30);
  CHECK(shared_names >= 10);
  CHECK(missing_id >= 100);
  CHECK(fifteen >= 5);
  CHECK(many_bodies >= 20);
  CHECK(near_category >= 30);
}

}  // namespace
}  // namespace xf::dedup
