#include "dedup/matcher.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dedup/normalize.h"

namespace xf::dedup {

namespace {

bool IsAsciiDigit(char32_t c) { return c >= U'0' && c <= U'9'; }

// The character bigrams within clauses (none across a space).
void AddBigrams(const std::u32string& s, std::vector<std::uint64_t>& out) {
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] == U' ' || s[i + 1] == U' ') continue;
    out.push_back((static_cast<std::uint64_t>(s[i]) << 32) | s[i + 1]);
  }
}

// ---- specifics: the details that name one matter -----------------------

struct SpecificKind {
  const char* differ;  // what a clerk reads when both name one and none is shared
  const char* same;    // ... and when one is shared
  double weight;       // how much a difference speaks against one matter (a shared one for it)
};
// Names (of a village, company, estate, hospital, school) weigh most. An
// amount half: one letter names the sum agreed, the next the sum paid. A month
// nothing: one letter tells when the house was bought, the next when it
// should have been handed over — it is only said.
const SpecificKind kSpecificKinds[] = {
    {"涉及金额不同", "涉及同一金额", 0.5}, {"涉及时间不同", "涉及同一时间", 0.0},
    {"涉及村不同", "涉及同一村", 1.0},     {"涉及公司不同", "涉及同一公司", 1.0},
    {"涉及小区不同", "涉及同一小区", 1.0}, {"涉及医院不同", "涉及同一医院", 1.0},
    {"涉及学校不同", "涉及同一学校", 1.0},
};
constexpr int kAmount = 0, kMonth = 1, kVillage = 2, kCompany = 3, kEstate = 4, kHospital = 5, kSchool = 6;
constexpr int kSpecificKindCount = 7;

struct Anchor {
  std::u32string word;
  int kind;
  std::size_t take;                   // characters of the name kept before the anchor
  std::vector<std::u32string> strip;  // generic words between the name and the anchor
  bool needs_legal_form = false;      // only 有限/集团/股份 before the anchor make a name
};
const std::vector<Anchor>& Anchors() {
  // A name is 字号 + generic words: what is kept is the characters before
  // the generic words (东方建筑有限公司 → 东方, 阳光花园小区 → 阳光), at most
  // `take`, stopping at a clause boundary, a digit or a word like 在/为/该.
  // A typo in a generic word (急团 for 集团) stops the stripping: `take`
  // leaves room for the 字号 before it. Numerals are digits by now
  // (第一医院 → 第1医院).
  static const std::vector<std::u32string> kTrades = {
      U"有限责任", U"有限", U"集团", U"股份", U"房地产开发", U"房地产", U"地产", U"置业", U"开发", U"建筑", U"建设",
      U"劳务", U"工程", U"物业管理", U"物业服务", U"物业", U"实业", U"商贸", U"贸易", U"科技", U"生态", U"农业",
      U"苗木", U"机械", U"纺织", U"化工", U"食品", U"城投", U"投资", U"发展", U"服务", U"管理", U"安装", U"装饰"};
  static const std::vector<Anchor> anchors = {
      {U"村", kVillage, 4, {}},
      {U"公司", kCompany, 8, kTrades, true},
      {U"小区", kEstate, 6, {U"花园", U"家园", U"新城", U"嘉苑", U"雅居", U"名都", U"苑", U"城", U"园"}},
      {U"医院", kHospital, 6,
       {U"人民", U"中心", U"中医", U"妇幼保健", U"第1", U"第2", U"第3", U"附属", U"医科大学", U"县", U"市", U"区"}},
      {U"小学", kSchool, 4, {U"实验", U"中心", U"第1", U"第2", U"第3"}},
      {U"中学", kSchool, 4, {U"实验", U"第1", U"第2", U"第3", U"高级", U"初级"}},
      {U"学校", kSchool, 4, {U"实验", U"中心", U"第1", U"第2"}},
  };
  return anchors;
}

// A character that ends the words before a name: "this one" rather than a
// name (该村, 本公司, 同小区), a preposition or particle (在, 为, 于, 了), or
// the end of a verb that names come after (要求, 督促, 购买, 反映).
bool IsDeterminer(char32_t c) {
  static const std::u32string kWords = U"该本同其此全各我你他她这那所住在的和与及到为于由向对从给被把了是即求促令买称映";
  return kWords.find(c) != std::u32string::npos;
}

// Two characters that any name of a kind may contain (物业, 地产, 人民…):
// sharing them makes no two names the same.
bool IsGenericPair(std::u32string_view two) {
  static const std::vector<std::u32string> kGeneric = [] {
    std::vector<std::u32string> out;
    for (const auto& a : Anchors()) {
      for (const auto& w : a.strip) {
        for (std::size_t i = 0; i + 1 < w.size(); ++i) out.push_back(w.substr(i, 2));
      }
    }
    return out;
  }();
  return std::find(kGeneric.begin(), kGeneric.end(), two) != kGeneric.end();
}

// A detail as written: an amount or month, or up to a few characters of a name.
struct RawSpecific {
  int kind = 0;
  std::u32string text;
};

std::vector<RawSpecific> Specifics(const std::u32string& s) {
  std::vector<RawSpecific> out;
  auto add = [&](int kind, std::u32string text) {
    for (const auto& o : out) {
      if (o.kind == kind && o.text == text) return;
    }
    out.push_back({kind, std::move(text)});
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    // Amounts: digits before 元. Months: Y年M月 (NormalizeText writes every date so).
    if (s[i] == U'元' && i > 0 && IsAsciiDigit(s[i - 1])) {
      std::size_t b = i;
      while (b > 0 && IsAsciiDigit(s[b - 1])) --b;
      add(kAmount, s.substr(b, i - b));
      continue;
    }
    if (s[i] == U'年' && i >= 4 && i + 2 < s.size() && IsAsciiDigit(s[i + 1])) {
      std::size_t e = i + 1;
      while (e < s.size() && IsAsciiDigit(s[e])) ++e;
      if (e < s.size() && s[e] == U'月' && IsAsciiDigit(s[i - 1]) && IsAsciiDigit(s[i - 4])) {
        add(kMonth, s.substr(i - 4, e + 1 - (i - 4)));
      }
      continue;
    }
    for (const auto& a : Anchors()) {
      if (s.compare(i, a.word.size(), a.word) != 0) continue;
      // A company counts only written with its legal form (…有限公司, …集团公司):
      // 物业公司 or 该公司 name none.
      if (a.needs_legal_form) {
        bool legal = false;
        for (const char32_t* form : {U"有限", U"责任", U"集团", U"股份"}) legal = legal || (i >= 2 && s.compare(i - 2, 2, form) == 0);
        if (!legal) break;
      }
      std::size_t end = i;  // the name ends here, once generic words are stripped
      for (bool again = true; again;) {
        again = false;
        for (const auto& w : a.strip) {
          if (end >= w.size() && s.compare(end - w.size(), w.size(), w) == 0) {
            end -= w.size();
            again = true;
          }
        }
      }
      // 村务, 村委会, 村民, 村干部, 村里, 村集体: words that begin with 村, not a village's name before it.
      if (a.kind == kVillage && i + 1 < s.size() &&
          std::u32string_view(U"务委民干里集会级规").find(s[i + 1]) != std::u32string_view::npos) {
        break;
      }
      std::size_t begin = end;
      while (begin > 0 && end - begin < a.take && IsIdeograph(s[begin - 1]) && !IsDeterminer(s[begin - 1]) &&
             s.compare(begin - 1, 1, a.word, 0, 1) != 0) {
        --begin;
      }
      if (end - begin >= 2) add(a.kind, s.substr(begin, end - begin));
      break;
    }
  }
  return out;
}

bool Intersect(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      return true;
    }
  }
  return false;
}

bool Contains(const std::vector<std::uint64_t>& sorted, std::uint64_t v) {
  return std::binary_search(sorted.begin(), sorted.end(), v);
}

// A detail as the matcher compares it. Two names are the same when they
// share two characters in a row that are not generic (a clerk may write
// 和崔建筑 or 和崔; a typo in 集团 or 物业 keeps the 字号): a name is the set
// of its non-generic pairs, and two names are the same when the sets meet.
// Amounts and months must be equal: one part each.
PreparedSpecific PrepareSpecific(const RawSpecific& r, const Hasher& h) {
  PreparedSpecific out;
  out.kind = r.kind;
  if (r.kind == kAmount || r.kind == kMonth) {
    out.parts.push_back(h.Text("spec", ToUtf8(r.text)));
    return out;
  }
  for (std::size_t i = 0; i + 1 < r.text.size(); ++i) {
    const std::u32string_view two = std::u32string_view(r.text).substr(i, 2);
    if (!IsGenericPair(two)) out.parts.push_back(h.Text("spec", ToUtf8(two)));
  }
  std::sort(out.parts.begin(), out.parts.end());
  out.parts.erase(std::unique(out.parts.begin(), out.parts.end()), out.parts.end());
  return out;
}

// For each kind both texts name: whether a detail of it is shared.
struct Comparison {
  std::vector<int> differing, shared;
};
Comparison CompareSpecifics(const std::vector<PreparedSpecific>& a, const std::vector<PreparedSpecific>& b) {
  Comparison out;
  for (int kind = 0; kind < kSpecificKindCount; ++kind) {
    bool in_a = false, in_b = false, shared = false;
    for (const auto& x : a) in_a = in_a || x.kind == kind;
    for (const auto& y : b) in_b = in_b || y.kind == kind;
    if (!in_a || !in_b) continue;
    for (const auto& x : a) {
      if (x.kind != kind) continue;
      for (const auto& y : b) shared = shared || (y.kind == kind && Intersect(x.parts, y.parts));
    }
    (shared ? out.shared : out.differing).push_back(kind);
  }
  return out;
}

// The same address: equal, or the shorter is the end of the longer (the
// longer names the province, city or district too) and holds at least six
// characters and half of the longer. The longer's suffixes of those lengths
// are its tails: the shorter must be one of them.
bool SameAddress(const PreparedPerson& a, const PreparedPerson& b) {
  if (a.address == 0 || b.address == 0) return false;
  return a.address == b.address || Contains(b.address_tails, a.address) || Contains(a.address_tails, b.address);
}

// Hashes of the suffixes of `address` (UTF-8) that another address could
// be: k characters, 6 ≤ k, 2k ≥ its length, k < its length.
std::vector<std::uint64_t> AddressTails(std::string_view address, const Hasher& h) {
  std::vector<std::size_t> starts;  // byte offset of each code point
  for (std::size_t i = 0; i < address.size(); ++i) {
    if ((static_cast<unsigned char>(address[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  const std::size_t n = starts.size();
  std::vector<std::uint64_t> out;
  const std::size_t from = std::max<std::size_t>(6, (n + 1) / 2);
  for (std::size_t k = from; k < n; ++k) out.push_back(h.Text("addr", address.substr(starts[n - k])));
  std::sort(out.begin(), out.end());
  return out;
}

int Rank(Identity i) {
  switch (i) {
    case Identity::kDifferent: return 0;
    case Identity::kNone: return 1;
    case Identity::kWeak: return 2;
    case Identity::kNameAndAddress: return 3;
    case Identity::kNameAndPhone: return 4;
    case Identity::kIdNumber: return 5;
  }
  return 1;
}

struct IdentityFinding {
  Identity identity = Identity::kNone;
  bool same_name = false;  // for the words of a weak identity
};

IdentityFinding CompareIdentity(const std::vector<PreparedPerson>& a, const std::vector<PreparedPerson>& b) {
  IdentityFinding best;
  bool any_pair = false, different_ids = false;
  for (const auto& p : a) {
    for (const auto& q : b) {
      any_pair = true;
      Identity level = Identity::kNone;
      bool same_name = false;
      if (p.id != 0 && q.id != 0) {
        if (p.id == q.id) {
          level = Identity::kIdNumber;
        } else {
          different_ids = true;
          continue;
        }
      } else {
        same_name = p.name != 0 && p.name == q.name;
        const bool same_phone = Intersect(p.phones, q.phones);
        if (same_name && same_phone) {
          level = Identity::kNameAndPhone;
        } else if (same_name && SameAddress(p, q)) {
          level = Identity::kNameAndAddress;
        } else if (same_name || same_phone) {
          level = Identity::kWeak;
        }
      }
      if (Rank(level) > Rank(best.identity) || (level == best.identity && same_name)) {
        best.identity = level;
        best.same_name = same_name;
      }
    }
  }
  if (any_pair && best.identity == Identity::kNone && different_ids) best.identity = Identity::kDifferent;
  return best;
}

int CategoryLevels(const std::string& a, const std::string& b) {
  if (a.size() != 6 || b.size() != 6) return 3;
  if (a == b) return 0;
  if (a.compare(0, 4, b, 0, 4) == 0) return 1;
  if (a.compare(0, 2, b, 0, 2) == 0) return 2;
  return 3;
}

int PlaceCloseness(const std::string& a, const std::string& b) {
  if (a.size() < 6 || b.size() < 6) return 0;
  if (a.compare(0, 6, b, 0, 6) == 0) return 2;
  if (a.compare(0, 4, b, 0, 4) == 0) return 1;
  return 0;
}

std::string Figure(const char* label, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %.2f", label, v);
  return buf;
}

double IdentityWeight(Identity i) {
  switch (i) {
    case Identity::kIdNumber: return 1.0;
    case Identity::kNameAndPhone: return 0.9;
    case Identity::kNameAndAddress: return 0.8;
    case Identity::kWeak: return 0.35;
    case Identity::kNone:
    case Identity::kDifferent: return 0;
  }
  return 0;
}

std::string PlaceSix(const std::string& place) {
  if (place.size() < 6) return "000000";
  for (std::size_t i = 0; i < 6; ++i) {
    if (place[i] < '0' || place[i] > '9') return "000000";
  }
  return place.substr(0, 6);
}

}  // namespace

const char* DecisionName(Decision d) {
  switch (d) {
    case Decision::kNone: return "none";
    case Decision::kPossible: return "possible";
    case Decision::kDuplicate: return "duplicate";
  }
  return "none";
}

Features Extract(const schema::CaseRegistration& c) {
  Features f;
  f.case_id = c.case_id;
  f.node = c.registering_body;
  f.received_date = c.received_date;
  f.category = c.content_category;
  f.place = c.problem_place;
  for (const auto& p : c.petitioners) {
    Person q;
    q.id18 = IdNumber18(p.id_number);
    q.name = NormalizeName(p.name);
    q.phones = NormalizePhones(p.phone);
    q.address = NormalizeAddress(p.address);
    if (q.id18.empty() && q.name.empty() && q.phones.empty() && q.address.empty()) continue;
    f.persons.push_back(std::move(q));
  }
  f.summary = NormalizeText(c.summary);
  f.requests = NormalizeText(c.requests);
  return f;
}

std::string EncodePersons(const std::vector<Person>& persons) {
  std::string out;
  for (const auto& p : persons) {
    if (!out.empty()) out += '\n';
    out += p.id18;
    out += '\t';
    out += p.name;
    out += '\t';
    for (std::size_t i = 0; i < p.phones.size(); ++i) {
      if (i) out += ',';
      out += p.phones[i];
    }
    out += '\t';
    out += p.address;
  }
  return out;
}

std::vector<Person> DecodePersons(std::string_view text, std::size_t max_persons) {
  std::vector<Person> out;
  while (!text.empty() && out.size() < max_persons) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    std::string_view fields[4];
    int n = 0;
    for (;;) {
      const auto tab = line.find('\t');
      if (n == 3 || tab == std::string_view::npos) {
        fields[n++] = line;
        break;
      }
      fields[n++] = line.substr(0, tab);
      line = line.substr(tab + 1);
    }
    if (n != 4) continue;
    Person p;
    p.id18 = std::string(fields[0]);
    p.name = std::string(fields[1]);
    for (std::string_view ph = fields[2]; !ph.empty();) {
      const auto comma = ph.find(',');
      if (auto one = ph.substr(0, comma); !one.empty()) p.phones.emplace_back(one);
      ph = comma == std::string_view::npos ? std::string_view() : ph.substr(comma + 1);
    }
    p.address = std::string(fields[3]);
    out.push_back(std::move(p));
  }
  return out;
}

namespace {

constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;

std::uint64_t FnvAdd(std::uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= kFnvPrime;
  }
  return h;
}

std::int64_t FnvFinish(std::uint64_t h) {
  // splitmix64's finaliser: FNV's low bits alone are poorly mixed.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return static_cast<std::int64_t>(h >> 1);
}

class Plain final : public Hasher {
 public:
  std::uint64_t Text(std::string_view domain, std::string_view text) const override {
    const auto h = static_cast<std::uint64_t>(StableHash(domain, text));
    return h == 0 ? 1 : h;
  }
  std::uint64_t Gram(std::uint64_t bigram) const override { return bigram; }
};

// The last eight characters of an address (the key of name + address).
std::string_view LastEight(std::string_view address) {
  std::size_t count = 0, i = address.size();
  while (i > 0 && count < 8) {
    --i;
    if ((static_cast<unsigned char>(address[i]) & 0xC0) != 0x80) ++count;
  }
  return address.substr(i);
}

void AddKeys(const Features& f, const Hasher& h, bool broad_only, std::vector<std::int64_t>& keys) {
  const std::string place = PlaceSix(f.place);
  for (const auto& p : f.persons) {
    if (!broad_only && !p.id18.empty()) keys.push_back(static_cast<std::int64_t>(h.Text("id", p.id18)));
    if (p.name.empty()) continue;
    if (!broad_only) {
      for (const auto& phone : p.phones) keys.push_back(static_cast<std::int64_t>(h.Text("phone", p.name + "|" + phone)));
    }
    keys.push_back(static_cast<std::int64_t>(h.Text("county", p.name + "|" + place)));
    if (!p.address.empty() && p.id18.empty() && p.phones.empty()) {
      keys.push_back(static_cast<std::int64_t>(h.Text("address", p.name + "|" + std::string(LastEight(p.address)))));
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
}

}  // namespace

std::int64_t StableHash(std::string_view bytes) { return FnvFinish(FnvAdd(kFnvOffset, bytes)); }

std::int64_t StableHash(std::string_view domain, std::string_view text) {
  return FnvFinish(FnvAdd(FnvAdd(FnvAdd(kFnvOffset, domain), "|"), text));
}

const Hasher& PlainHasher() {
  static const Plain plain;
  return plain;
}

std::int64_t IdKey(std::string_view id18, const Hasher& h) { return static_cast<std::int64_t>(h.Text("id", id18)); }

std::vector<std::int64_t> PersonKeys(const Features& f, const Hasher& h) {
  std::vector<std::int64_t> keys;
  AddKeys(f, h, false, keys);
  return keys;
}

std::vector<std::int64_t> BroadKeys(const Features& f, const Hasher& h) {
  std::vector<std::int64_t> keys;
  AddKeys(f, h, true, keys);
  return keys;
}

namespace {

// A trigram's hash: its three code points (21 bits each) in one word, through
// splitmix64's finaliser. Stored (it chooses the terms): never change it.
std::uint64_t TrigramHash(char32_t a, char32_t b, char32_t c) {
  std::uint64_t h = (static_cast<std::uint64_t>(a) << 42) ^ (static_cast<std::uint64_t>(b) << 21) ^ c;
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// The `k` trigrams of lowest hash of summary and requests, within clauses,
// without repeats, place-prefixed.
std::vector<std::string> LowestTrigrams(const Features& f, std::size_t k) {
  struct Gram {
    std::uint64_t hash;
    const std::u32string* text;
    std::size_t at;
  };
  const std::u32string s = ToCodePoints(f.summary), r = ToCodePoints(f.requests);
  std::vector<Gram> grams;
  grams.reserve(s.size() + r.size());
  for (const std::u32string* text : {&s, &r}) {
    for (std::size_t i = 0; i + 2 < text->size(); ++i) {
      const char32_t a = (*text)[i], b = (*text)[i + 1], c = (*text)[i + 2];
      if (a == U' ' || b == U' ' || c == U' ') continue;  // within a clause
      grams.push_back({TrigramHash(a, b, c), text, i});
    }
  }
  std::sort(grams.begin(), grams.end(), [](const Gram& x, const Gram& y) { return x.hash < y.hash; });
  grams.erase(std::unique(grams.begin(), grams.end(), [](const Gram& x, const Gram& y) { return x.hash == y.hash; }),
              grams.end());
  if (grams.size() > k) grams.resize(k);
  const std::string prefix = PlaceSix(f.place);
  std::vector<std::string> terms;
  terms.reserve(grams.size());
  for (const auto& g : grams) terms.push_back(prefix + ToUtf8(std::u32string_view(*g.text).substr(g.at, 3)));
  return terms;
}

}  // namespace

std::vector<std::string> IndexTerms(const Features& f) { return LowestTrigrams(f, kIndexTerms); }
std::vector<std::string> QueryTerms(const Features& f) { return LowestTrigrams(f, kQueryTerms); }

std::string JoinTerms(const std::vector<std::string>& terms) {
  std::string out;
  for (const auto& t : terms) {
    if (!out.empty()) out += ' ';
    out += t;
  }
  return out;
}

std::vector<std::int64_t> HashTerms(const std::vector<std::string>& terms, const Hasher& h) {
  std::vector<std::int64_t> out;
  out.reserve(terms.size());
  for (const auto& t : terms) out.push_back(static_cast<std::int64_t>(h.Text("term", t)));
  return out;
}

double Dice(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  if (a.empty() && b.empty()) return 0;
  std::size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
    }
  }
  return 2.0 * static_cast<double>(common) / static_cast<double>(a.size() + b.size());
}

namespace {

// The raw bigrams of summary, requests, and both (sorted), and the details
// named in them.
struct Grams {
  std::vector<std::uint64_t> all, summary, requests;
  std::vector<RawSpecific> specifics;
};
Grams GramsOf(const Features& f, bool specifics) {
  Grams g;
  const std::u32string s = ToCodePoints(f.summary), r = ToCodePoints(f.requests);
  AddBigrams(s, g.summary);
  AddBigrams(r, g.requests);
  g.all = g.summary;
  g.all.insert(g.all.end(), g.requests.begin(), g.requests.end());
  std::sort(g.summary.begin(), g.summary.end());
  std::sort(g.requests.begin(), g.requests.end());
  std::sort(g.all.begin(), g.all.end());
  if (specifics) g.specifics = Specifics(s + U"|" + r);
  return g;
}

std::vector<std::uint64_t> Rehash(std::vector<std::uint64_t> grams, const Hasher& h) {
  for (auto& g : grams) g = h.Gram(g);
  std::sort(grams.begin(), grams.end());
  return grams;
}

}  // namespace

Prepared Prepare(const Features& f, const Hasher& h) {
  Prepared p;
  p.case_id = f.case_id;
  p.node = f.node;
  p.received_date = f.received_date;
  p.category = f.category;
  p.place = f.place;
  p.persons.reserve(f.persons.size());
  for (const auto& person : f.persons) {
    PreparedPerson q;
    if (!person.id18.empty()) q.id = h.Text("id", person.id18);
    if (!person.name.empty()) q.name = h.Text("name", person.name);
    for (const auto& phone : person.phones) q.phones.push_back(h.Text("tel", phone));
    std::sort(q.phones.begin(), q.phones.end());
    if (!person.address.empty()) {
      q.address = h.Text("addr", person.address);
      q.address_tails = AddressTails(person.address, h);
    }
    p.persons.push_back(std::move(q));
  }
  Grams g = GramsOf(f, true);
  const bool plain = &h == &PlainHasher();
  p.summary = plain ? std::move(g.summary) : Rehash(std::move(g.summary), h);
  p.requests = plain ? std::move(g.requests) : Rehash(std::move(g.requests), h);
  p.all = plain ? std::move(g.all) : Rehash(std::move(g.all), h);
  for (const auto& r : g.specifics) p.specifics.push_back(PrepareSpecific(r, h));
  return p;
}

void BigramWeights::Add(const Features& f) {
  std::vector<std::uint64_t> grams = GramsOf(f, false).all;
  grams.erase(std::unique(grams.begin(), grams.end()), grams.end());
  for (auto g : grams) ++m_df[g];
  ++m_documents;
  m_by_df.clear();
}

BigramWeights BigramWeights::Rehashed(const Hasher& h) const {
  BigramWeights out;
  out.m_documents = m_documents;
  out.m_df.reserve(m_df.size());
  for (const auto& [g, df] : m_df) out.m_df[h.Gram(g)] += df;
  out.Finish();
  return out;
}

void BigramWeights::Finish() {
  m_by_df.resize(m_documents + 1);
  for (std::size_t df = 0; df <= m_documents; ++df) m_by_df[df] = WeightOf(static_cast<std::uint32_t>(df));
}

double BigramWeights::WeightOf(std::uint32_t df) const {
  if (m_documents < kMinDocuments) return 1.0;
  return std::max(0.1, std::log((static_cast<double>(m_documents) + 1.0) / (static_cast<double>(df) + 0.5)));
}

double BigramWeights::Weight(std::uint64_t bigram) const {
  if (m_documents < kMinDocuments) return 1.0;
  const auto it = m_df.find(bigram);
  const std::uint32_t df = it == m_df.end() ? 0 : it->second;
  return df < m_by_df.size() ? m_by_df[df] : WeightOf(df);
}

Query::Query(const Features& f, const BigramWeights* weights, Thresholds t)
    : m_p(Prepare(f)), m_w(weights), m_t(t) {}

Query::Query(Prepared p, const BigramWeights* weights, Thresholds t) : m_p(std::move(p)), m_w(weights), m_t(t) {}

// Weighted Dice over multisets: 2·Σw(A∩B) / (Σw(A) + Σw(B)).
double Query::Similarity(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) const {
  if (!m_w) return Dice(a, b);
  double wa = 0, wb = 0, common = 0;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (j == b.size() || (i < a.size() && a[i] < b[j])) {
      wa += m_w->Weight(a[i++]);
    } else if (i == a.size() || b[j] < a[i]) {
      wb += m_w->Weight(b[j++]);
    } else {
      const double w = m_w->Weight(a[i]);
      wa += w;
      wb += w;
      common += w;
      ++i;
      ++j;
    }
  }
  return wa + wb > 0 ? 2.0 * common / (wa + wb) : 0.0;
}

Match Query::Against(const Features& c) const { return Against(Prepare(c)); }

Match Query::Against(const Prepared& c) const {
  Match m;
  const IdentityFinding id = CompareIdentity(m_p.persons, c.persons);
  m.identity = id.identity;
  m.text = Similarity(m_p.all, c.all);
  m.summary = Similarity(m_p.summary, c.summary);
  m.requests = Similarity(m_p.requests, c.requests);
  m.category_levels = CategoryLevels(m_p.category, c.category);
  m.place = PlaceCloseness(m_p.place, c.place);
  const Comparison specifics = CompareSpecifics(m_p.specifics, c.specifics);
  double difference = 0;  // the weight of the kinds that differ
  bool shared = false;    // a name or an amount in common
  for (int kind : specifics.differing) {
    m.differing.emplace_back(kSpecificKinds[kind].differ);
    difference += kSpecificKinds[kind].weight;
  }
  for (int kind : specifics.shared) {
    m.shared.emplace_back(kSpecificKinds[kind].same);
    shared = shared || kSpecificKinds[kind].weight > 0;
  }

  static constexpr double kCategory[] = {1.0, 0.7, 0.3, 0.0};
  static constexpr double kPlace[] = {0.0, 0.5, 1.0};
  double score = 0.40 * IdentityWeight(m.identity) + 0.40 * m.text +
                 0.10 * kCategory[std::clamp(m.category_levels, 0, 3)] + 0.10 * kPlace[std::clamp(m.place, 0, 2)];
  score -= 0.05 * static_cast<double>(std::min<std::size_t>(specifics.differing.size(), 3));
  score += 0.05 * static_cast<double>(std::min<std::size_t>(specifics.shared.size(), 2));
  if (m.identity == Identity::kDifferent) score *= 0.6;
  m.score = std::clamp(score, 0.0, 1.0);

  const bool strong = Rank(m.identity) >= Rank(Identity::kNameAndAddress);
  const double needed = (m.identity == Identity::kIdNumber ? m_t.duplicate_text_same_id : m_t.duplicate_text) +
                        m_t.differing_extra * std::min(difference, 1.0);
  const bool same_matter = m.text >= needed || (shared && difference == 0 && m.text >= m_t.shared_text);
  // Details that differ weighing 1.5 or more (another village and other
  // amounts, two other names) is another matter.
  if (strong && m.place == 2 && m.category_levels <= 1 && same_matter && difference < 1.5) {
    m.decision = Decision::kDuplicate;
  } else if (m.score >= m_t.possible_score &&
             (m.identity != Identity::kDifferent || m.text >= m_t.possible_text_other_person)) {
    m.decision = Decision::kPossible;
  }

  switch (m.identity) {
    case Identity::kIdNumber: m.reasons.emplace_back("同一身份证号"); break;
    case Identity::kNameAndPhone: m.reasons.emplace_back("同一姓名和联系电话"); break;
    case Identity::kNameAndAddress: m.reasons.emplace_back("同一姓名和住址"); break;
    case Identity::kWeak: m.reasons.emplace_back(id.same_name ? "同名（无其他相同身份信息）" : "同一联系电话，姓名不同"); break;
    case Identity::kNone: m.reasons.emplace_back("信访人不同"); break;
    case Identity::kDifferent: m.reasons.emplace_back("身份证号不同（不是同一人）"); break;
  }
  m.reasons.push_back(Figure("概况相似度", m.summary));
  m.reasons.push_back(Figure("诉求相似度", m.requests));
  static const char* const kCategoryWords[] = {"同一内容分类", "内容分类相差一级", "内容分类同属一大类", "内容分类不同"};
  m.reasons.emplace_back(kCategoryWords[std::clamp(m.category_levels, 0, 3)]);
  static const char* const kPlaceWords[] = {"问题属地不同", "问题属地同一地市", "同一问题属地"};
  m.reasons.emplace_back(kPlaceWords[std::clamp(m.place, 0, 2)]);
  for (const auto& d : m.shared) m.reasons.push_back(d);
  for (const auto& d : m.differing) m.reasons.push_back(d);
  return m;
}

Match Compare(const Features& a, const Features& b, const BigramWeights* weights) {
  return Query(a, weights).Against(b);
}

}  // namespace xf::dedup
