#include "dedup/labelled.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <set>

#include "dedup/normalize.h"

namespace xf::dedup::labelled {

namespace {

// splitmix64: the same numbers on every platform for a seed.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : m_s(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (m_s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // [0, n)
  long Below(long n) { return n <= 1 ? 0 : static_cast<long>((Next() >> 11) % static_cast<std::uint64_t>(n)); }
  long Between(long lo, long hi) { return lo + Below(hi - lo + 1); }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) / 9007199254740992.0 < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(Below(static_cast<long>(v.size())))]; }

 private:
  std::uint64_t m_s;
};

using Slots = std::map<std::string, std::string>;

struct County {
  const char* code;
  const char* prefix;  // 省市区 as an address starts
};
// Thirty real county-level divisions (GB/T 2260), fixed here so the set does
// not change when the code tables do.
const std::vector<County> kCounties = {
    {"110105", "北京市朝阳区"}, {"110108", "北京市海淀区"}, {"110114", "北京市昌平区"},
    {"120104", "天津市南开区"}, {"130102", "河北省石家庄市长安区"}, {"140105", "山西省太原市小店区"},
    {"150102", "内蒙古自治区呼和浩特市新城区"}, {"210102", "辽宁省沈阳市和平区"}, {"220102", "吉林省长春市南关区"},
    {"230103", "黑龙江省哈尔滨市南岗区"}, {"310115", "上海市浦东新区"}, {"320106", "江苏省南京市鼓楼区"},
    {"330106", "浙江省杭州市西湖区"}, {"340104", "安徽省合肥市蜀山区"}, {"350203", "福建省厦门市思明区"},
    {"360102", "江西省南昌市东湖区"}, {"370102", "山东省济南市历下区"}, {"410105", "河南省郑州市金水区"},
    {"420106", "湖北省武汉市武昌区"}, {"430104", "湖南省长沙市岳麓区"}, {"440106", "广东省广州市天河区"},
    {"440305", "广东省深圳市南山区"}, {"450103", "广西壮族自治区南宁市青秀区"}, {"460105", "海南省海口市秀英区"},
    {"500103", "重庆市渝中区"}, {"510104", "四川省成都市锦江区"}, {"520102", "贵州省贵阳市南明区"},
    {"530102", "云南省昆明市五华区"}, {"610113", "陕西省西安市雁塔区"}, {"620102", "甘肃省兰州市城关区"},
};

const std::vector<std::string> kSurnames = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐",
                                            "孙", "马", "朱", "胡", "郭", "何", "林", "罗", "高", "郑", "梁",
                                            "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖",
                                            "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程"};
const char* const kGivenChars =
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强永刚德福海燕春梅文亮晓东鹏飞"
    "丹宇浩宁雪梅淑珍桂芝凤兰玉珍金凤淑兰子豪欣怡建平振华国强国华卫东红梅丽华";
// The commonest full names: different people share them.
const std::vector<std::string> kCommonNames = {"张伟", "王伟", "王芳", "李伟", "李娜", "张敏", "李静", "王静",
                                               "刘伟", "王秀英", "张丽", "李秀英", "王丽", "张静", "李强", "王敏",
                                               "李敏", "王磊", "刘洋", "王艳"};
const char* const kPlaceChars =
    "东西南北前后上大小新高王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁宋郑谢韩唐冯董程曹袁邓许沈曾彭苏卢蒋蔡"
    "丁魏叶余潘杜夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺"
    "河山水林湾坪岭桥塘沟湖园庄屯集铺寨营堡安宁平和兴旺富丰华明光红星青云松柏桃杏梅兰竹菊春秋阳月海天泉溪川";

// The first, second… character of a UTF-8 string of CJK characters (3 bytes each).
std::string CharAt(const char* chars, long i) { return std::string(chars + i * 3, 3); }
long CharCount(const char* chars) { return static_cast<long>(std::char_traits<char>::length(chars) / 3); }

std::string Chars(Rng& rng, const char* pool, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += CharAt(pool, rng.Below(CharCount(pool)));
  return out;
}

std::string PersonName(Rng& rng) {
  return rng.Pick(kSurnames) + Chars(rng, kGivenChars, rng.Chance(0.7) ? 2 : 1);
}

// ---- numbers and dates as clerks write them ----------------------------

const char* const kDigits[] = {"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"};
const char* const kFinDigits[] = {"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"};

// 0 < v < 10000, positional with 千百十 (or 仟佰拾), 零 for gaps.
std::string CnSection(long v, bool fin, bool leading) {
  const char* const* d = fin ? kFinDigits : kDigits;
  const char* units[] = {fin ? "仟" : "千", fin ? "佰" : "百", fin ? "拾" : "十", ""};
  const long div[] = {1000, 100, 10, 1};
  std::string out;
  bool zero = false, started = false;
  for (int k = 0; k < 4; ++k) {
    const long digit = (v / div[k]) % 10;
    if (digit == 0) {
      if (started || !leading) zero = true;
      continue;
    }
    if (zero && (started || !leading)) out += d[0];
    zero = false;
    // 十五 rather than 一十五 at the very start
    if (!(k == 2 && digit == 1 && !started && leading)) out += d[digit];
    out += units[k];
    started = true;
  }
  return out;
}

std::string CnNumber(long v, bool fin) {
  if (v == 0) return "零";
  std::string out;
  const long wan = v / 10000, rest = v % 10000;
  if (wan > 0) out += CnSection(wan, fin, true) + "万";
  if (rest > 0) out += CnSection(rest, fin, wan == 0);  // 零 before a rest under 1000 comes from the section
  return out;
}

std::string WithSeparators(long v) {
  std::string s = std::to_string(v), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::string Amount(Rng& rng, long v) {
  std::string body;
  switch (rng.Below(6)) {
    case 0: body = std::to_string(v) + "元"; break;
    case 1:
      if (v % 10000 == 0) {
        body = std::to_string(v / 10000) + "万元";
      } else if (v % 1000 == 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%ld.%ld万元", v / 10000, (v % 10000) / 1000);
        body = buf;
      } else {
        body = std::to_string(v) + "元";
      }
      break;
    case 2: body = CnNumber(v, false) + "元"; break;
    case 3: body = CnNumber(v, true) + "元"; break;
    case 4: body = WithSeparators(v) + "元"; break;
    default: body = v >= 10000 && v % 10000 == 0 ? std::to_string(v / 10000) + "万元" : std::to_string(v) + "元"; break;
  }
  return (rng.Chance(0.15) ? "人民币" : "") + body;
}

std::string CnYear(int y) {
  std::string out;
  for (char c : std::to_string(y)) out += c == '0' ? "〇" : kDigits[c - '0'];
  return out;
}

std::string DateText(Rng& rng, Date d) {
  char buf[64];
  switch (rng.Below(7)) {
    case 0: std::snprintf(buf, sizeof buf, "%d年%d月%d日", d.year, d.month, d.day); break;
    case 1: std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", d.year, d.month, d.day); break;
    case 2: std::snprintf(buf, sizeof buf, "%d.%d.%d", d.year, d.month, d.day); break;
    case 3: std::snprintf(buf, sizeof buf, "%d/%d/%d", d.year, d.month, d.day); break;
    case 4: return CnYear(d.year) + "年" + CnNumber(d.month, false) + "月" + CnNumber(d.day, false) + "日";
    case 5: std::snprintf(buf, sizeof buf, "%d年%02d月%02d日", d.year, d.month, d.day); break;
    default: std::snprintf(buf, sizeof buf, "%d年%d月", d.year, d.month); break;  // the day left out
  }
  return buf;
}

std::string MonthText(Rng& rng, Date d) {
  char buf[64];
  switch (rng.Below(4)) {
    case 0: std::snprintf(buf, sizeof buf, "%d年%d月", d.year, d.month); break;
    case 1: std::snprintf(buf, sizeof buf, "%04d-%02d", d.year, d.month); break;
    case 2: return CnYear(d.year) + "年" + CnNumber(d.month, false) + "月";
    default: std::snprintf(buf, sizeof buf, "%d年%02d月", d.year, d.month); break;
  }
  return buf;
}

// 同音字: characters a clerk types for another with the same sound.
const std::vector<std::pair<std::string, std::string>> kHomophones = {
    {"偿", "尝"}, {"资", "姿"}, {"迁", "千"}, {"欠", "歉"}, {"拖", "托"}, {"房", "防"}, {"村", "存"},
    {"集", "急"}, {"产", "铲"}, {"理", "里"}, {"公", "工"}, {"账", "帐"}, {"目", "木"}, {"物", "务"},
    {"业", "页"}, {"费", "废"}, {"征", "争"}, {"地", "第"}, {"安", "按"}, {"置", "制"}, {"质", "值"},
    {"医", "依"}, {"院", "愿"}, {"低", "底"}, {"保", "宝"}, {"批", "披"}, {"养", "样"}, {"金", "今"},
    {"违", "维"}, {"建", "见"}, {"邻", "临"}, {"居", "局"}, {"响", "想"}, {"采", "彩"}, {"校", "效"},
    {"程", "成"}, {"项", "向"}, {"缴", "交"}, {"纳", "那"}, {"退", "推"}, {"休", "修"}, {"术", "树"},
    {"责", "则"}, {"拒", "据"}, {"绝", "决"}, {"题", "提"}, {"映", "应"}, {"依", "以"}, {"款", "宽"},
    {"补", "捕"}, {"工", "公"}, {"资", "咨"}, {"至", "致"}, {"未", "为"}, {"再", "在"}, {"做", "作"},
};

std::string Typos(Rng& rng, std::string text, int n) {
  for (int k = 0; k < n; ++k) {
    std::vector<std::pair<std::size_t, std::size_t>> spots;  // (position, homophone)
    for (std::size_t h = 0; h < kHomophones.size(); ++h) {
      for (auto pos = text.find(kHomophones[h].first); pos != std::string::npos;
           pos = text.find(kHomophones[h].first, pos + 1)) {
        spots.emplace_back(pos, h);
      }
    }
    if (spots.empty()) break;
    const auto& [pos, h] = spots[static_cast<std::size_t>(rng.Below(static_cast<long>(spots.size())))];
    text.replace(pos, kHomophones[h].first.size(), kHomophones[h].second);
  }
  return text;
}

// ---- the kinds of matter --------------------------------------------------

struct Clause {
  double keep;  // how often a clerk writes it
  std::vector<std::string> variants;
};

struct Kind {
  std::string category;
  std::vector<std::string> near;  // one level apart: siblings and the parent
  std::vector<Clause> clauses;
  std::vector<std::string> requests;
  std::function<void(Rng&, Slots&, Date)> facts;  // the matter's facts, before its first registration
  // One person may well raise two different matters of this kind (wages owed
  // by two employers); not so for a kind like 退役安置.
  bool repeatable = false;
};

Date Before(Rng& rng, Date d, int min_days, int max_days) { return d.AddDays(-rng.Between(min_days, max_days)); }

std::string DateSlot(Date d) { return d.ToString(); }
std::string MonthSlot(Date d) { return d.ToString().substr(0, 7); }

long RoundTo(Rng& rng, long lo, long hi, long step) { return rng.Between(lo / step, hi / step) * step; }

long Money(Rng& rng, long lo, long hi) {
  // Often a round number of 万, else of 1,000 or 100.
  if (rng.Chance(0.4)) return RoundTo(rng, std::max(lo, 10000L), hi, 10000);
  if (rng.Chance(0.6)) return RoundTo(rng, lo, hi, 1000);
  return RoundTo(rng, lo, hi, 100);
}

std::string Village(Rng& rng) { return Chars(rng, kPlaceChars, 2) + "村"; }
std::string Township(Rng& rng) {
  static const std::vector<std::string> kinds = {"镇", "乡", "街道"};
  return Chars(rng, kPlaceChars, 2) + rng.Pick(kinds);
}
std::string Company(Rng& rng, const std::vector<std::string>& trades) {
  static const std::vector<std::string> forms = {"有限公司", "有限责任公司", "集团有限公司"};
  return Chars(rng, kPlaceChars, 2) + rng.Pick(trades) + rng.Pick(forms);
}
std::string Estate(Rng& rng) {
  static const std::vector<std::string> kinds = {"花园", "家园", "新城", "嘉苑", "雅居", "名都"};
  return Chars(rng, kPlaceChars, 2) + rng.Pick(kinds);
}

std::vector<Kind> Kinds() {
  std::vector<Kind> k;
  // 1 集体土地上房屋拆迁补偿
  k.push_back({"030102",
               {"030101", "030103", "030100"},
               {{1.0,
                 {"{村}{组}组的房屋于{日期}被{单位}组织拆除", "{日期}，{单位}对{村}{组}组进行集体土地房屋拆迁，其家房屋被拆除",
                  "其位于{村}{组}组的自建房在{日期}被强制拆除"}},
                {0.9, {"拆迁协议约定补偿款{金额}", "双方签订的补偿协议写明应补偿{金额}", "按协议应得补偿{金额}"}},
                {0.9, {"但至今只拿到{金额2}", "目前仅发放了{金额2}", "实际到手只有{金额2}，其余一直拖着不给"}},
                {0.5, {"多次到{镇}询问均无结果", "先后找过{镇}政府和村委会，答复等上级拨款", "找{单位}多次，工作人员互相推诿"}},
                {0.4, {"一家{人数}口人现租房居住，生活困难", "目前一家人借住在亲戚家", "家中老人身体不好，无处安身"}}},
               {"要求按协议足额支付剩余拆迁补偿款", "请求督促{单位}尽快兑现补偿款", "要求支付拖欠的拆迁补偿{金额3}"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> units = {"区征收办", "区住建局", "镇政府", "街道办事处", "区政府"};
                 s["村"] = Village(r);
                 s["组"] = std::to_string(r.Between(1, 12));
                 s["单位"] = r.Pick(units);
                 s["镇"] = Township(r);
                 s["日期"] = DateSlot(Before(r, d, 60, 700));
                 const long total = Money(r, 80000, 900000);
                 const long paid = RoundTo(r, total / 5, total * 7 / 10, 1000);
                 s["金额"] = std::to_string(total);
                 s["金额2"] = std::to_string(paid);
                 s["金额3"] = std::to_string(total - paid);
                 s["人数"] = std::to_string(r.Between(3, 7));
               }});
  // 2 拖欠农民工工资
  k.push_back({"040101",
               {"040102", "040199", "040100"},
               {{1.0, {"在{公司}承建的{项目}工地务工", "{日期}起在{公司}{项目}项目做{工种}", "受雇于{公司}，在{项目}干活"}},
                {1.0,
                 {"{月份}至{月份2}的工资共计{金额}一直未发", "被拖欠工资{金额}",
                  "包工头{人}以公司未结算为由拖欠{月份}以来的工资{金额}"}},
                {0.6, {"同工地还有十几名工友也被拖欠", "多次讨要，{公司}称资金困难", "{人}现在联系不上"}},
                {0.4, {"曾到{镇}劳动保障所反映，未解决", "已向劳动监察大队投诉过"}}},
               {"要求{公司}支付拖欠的工资{金额}", "请求帮助讨回血汗钱", "要求尽快结清工资"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> trades = {"建筑", "建设", "劳务", "工程"};
                 static const std::vector<std::string> projects = {"花园", "安置房", "厂房", "大厦", "产业园", "道路"};
                 static const std::vector<std::string> jobs = {"钢筋工", "木工", "泥瓦工", "电焊工"};
                 s["公司"] = Company(r, trades);
                 s["项目"] = Chars(r, kPlaceChars, 2) + r.Pick(projects);
                 s["工种"] = r.Pick(jobs);
                 s["人"] = PersonName(r);
                 s["镇"] = Township(r);
                 const Date from = Before(r, d, 200, 600);
                 s["日期"] = DateSlot(from);
                 s["月份"] = MonthSlot(from);
                 s["月份2"] = MonthSlot(from.AddDays(r.Between(60, 180)));
                 s["金额"] = std::to_string(Money(r, 6000, 90000));
               }});
  k.back().repeatable = true;
  // 3 物业管理
  k.push_back({"030204",
               {"030202", "030299", "030200"},
               {{1.0,
                 {"{小区}小区物业公司{公司}擅自提高物业费", "所住{小区}小区的物业{公司}未经业主大会同意上调物业费",
                  "{小区}小区物业费被物业公司单方面涨价"}},
                {0.9, {"由每平方米{价1}元涨到{价2}元", "从{价1}元每平米提高到{价2}元每平米"}},
                {0.6, {"且小区环境卫生差、电梯经常故障", "物业服务质量很差，{楼}号楼电梯多次停运", "垃圾清运不及时，绿化无人管理"}},
                {0.4, {"业主多次向社区反映无果", "{日期}起开始按新标准收费"}}},
               {"要求按合同标准收取物业费", "要求物业公司撤销涨价，提高服务质量", "请求街道督促{公司}整改"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> trades = {"物业", "物业服务", "物业管理"};
                 s["小区"] = Estate(r);
                 s["公司"] = Company(r, trades);
                 const long p1 = r.Between(8, 25);
                 const long p2 = p1 + r.Between(3, 15);
                 s["价1"] = std::to_string(p1 / 10) + "." + std::to_string(p1 % 10);
                 s["价2"] = std::to_string(p2 / 10) + "." + std::to_string(p2 % 10);
                 s["楼"] = std::to_string(r.Between(1, 30));
                 s["日期"] = DateSlot(Before(r, d, 20, 300));
               }});
  // 4 最低生活保障
  k.push_back({"070101",
               {"070102", "070103", "070100"},
               {{1.0, {"家住{村}，{家庭情况}", "本人{家庭情况}，家庭生活十分困难", "信访人称其{家庭情况}"}},
                {1.0, {"于{日期}向{镇}申请最低生活保障", "{日期}递交了低保申请材料", "{月份}申请低保"}},
                {0.9, {"{镇}以{理由}为由未予批准", "一直未获批准，理由是{理由}", "被告知{理由}，不符合条件"}},
                {0.5, {"而同村{人}家境较好却享受低保", "认为村里评议不公", "村干部优亲厚友"}}},
               {"要求重新审核其低保申请", "请求依法给予最低生活保障", "要求调查村里低保评定问题"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> family = {"丈夫因病去世，独自抚养两个孩子", "身患尿毒症，丧失劳动能力",
                                                                 "儿子残疾，老伴常年卧床", "患脑梗后偏瘫在床",
                                                                 "年过七十，无儿无女"};
                 static const std::vector<std::string> reasons = {"家庭收入超标", "有子女赡养", "名下有车辆", "户籍不在本村"};
                 s["村"] = Village(r);
                 s["镇"] = Township(r);
                 s["家庭情况"] = r.Pick(family);
                 s["理由"] = r.Pick(reasons);
                 s["人"] = PersonName(r);
                 const Date a = Before(r, d, 30, 300);
                 s["日期"] = DateSlot(a);
                 s["月份"] = MonthSlot(a);
               }});
  // 5 集体资产管理
  k.push_back({"010101",
               {"010102", "010104", "010100"},
               {{1.0, {"{村}村委会将集体{资产}出租给{人}", "{村}的集体{资产}被村干部私下租给{人}", "村集体{资产}于{日期}承包给{人}经营"}},
                {0.9, {"租金收入{金额}去向不明", "每年租金{金额}从未公示", "{金额}租金没有入村集体账"}},
                {0.7, {"村务账目长期不公开", "村民多次要求查账被拒", "村会计{人2}拒绝出示账本"}},
                {0.4, {"{日期2}村民代表曾联名反映", "已向{镇}纪委反映过"}}},
               {"要求公开村集体资产收支账目", "要求对村集体资产进行审计", "请求查处村干部侵占集体资产问题"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> assets = {"鱼塘", "山林", "厂房", "门面房", "果园", "砖厂"};
                 s["村"] = Village(r);
                 s["资产"] = r.Pick(assets);
                 s["人"] = PersonName(r);
                 s["人2"] = PersonName(r);
                 s["镇"] = Township(r);
                 s["日期"] = DateSlot(Before(r, d, 300, 1500));
                 s["日期2"] = DateSlot(Before(r, d, 10, 200));
                 s["金额"] = std::to_string(Money(r, 20000, 600000));
               }});
  // 6 征地补偿安置
  k.push_back({"020101",
               {"020102", "020199", "020100"},
               {{1.0,
                 {"{村}{组}组{亩}亩耕地于{日期}被征收用于{项目}建设", "{日期}，因{项目}建设，{村}{组}组土地被征收，其家{亩}亩",
                  "其家承包的{亩}亩地被{项目}项目征用"}},
                {0.9, {"每亩补偿{金额}，低于省定标准", "补偿标准为每亩{金额}，明显偏低", "只给了每亩{金额}"}},
                {0.6, {"安置补助费至今未发放", "社保安置没有落实", "青苗补偿也没给"}},
                {0.4, {"找{单位}多次未果", "{镇}答复按文件执行"}}},
               {"要求按标准足额支付征地补偿款", "要求落实被征地农民社会保障", "请求重新核定补偿标准"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> projects = {"高速公路", "工业园区", "物流园", "高铁站", "水库"};
                 static const std::vector<std::string> units = {"区自然资源局", "镇政府", "区征地办"};
                 s["村"] = Village(r);
                 s["组"] = std::to_string(r.Between(1, 12));
                 s["亩"] = std::to_string(r.Between(1, 30));
                 s["项目"] = Chars(r, kPlaceChars, 2) + r.Pick(projects);
                 s["单位"] = r.Pick(units);
                 s["镇"] = Township(r);
                 s["日期"] = DateSlot(Before(r, d, 60, 900));
                 s["金额"] = std::to_string(RoundTo(r, 15000, 90000, 1000));
               }});
  // 7 养老保险
  k.push_back({"040301",
               {"040302", "040399", "040300"},
               {{1.0, {"在{公司}工作{年数}年", "{日期}至今在{公司}上班", "原系{公司}职工，工龄{年数}年"}},
                {1.0, {"单位一直未足额为其缴纳养老保险", "公司少缴养老保险{金额}", "{月份}以来公司停缴养老保险"}},
                {0.6, {"导致其{日期2}到龄无法办理退休", "退休待遇受到影响", "社保局查询显示欠缴{年数2}年"}}},
               {"要求{公司}补缴养老保险", "要求依法补缴社会保险费并办理退休", "请求社保部门责令单位补缴"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> trades = {"机械", "纺织", "化工", "食品", "商贸", "实业"};
                 s["公司"] = Company(r, trades);
                 const long years = r.Between(5, 30);
                 s["年数"] = std::to_string(years);
                 s["年数2"] = std::to_string(r.Between(2, 8));
                 s["日期"] = DateSlot(d.AddDays(-years * 365 - r.Between(0, 300)));
                 s["月份"] = MonthSlot(Before(r, d, 200, 2000));
                 s["日期2"] = DateSlot(Before(r, d, 10, 200));
                 s["金额"] = std::to_string(Money(r, 10000, 150000));
               }});
  k.back().repeatable = true;
  // 8 医患纠纷
  k.push_back({"050102",
               {"050101", "050199", "050100"},
               {{1.0,
                 {"{日期}在{医院}做{手术}手术", "其母亲{日期}因{疾病}在{医院}住院，行{手术}手术",
                  "本人于{日期}到{医院}就诊，接受{手术}手术"}},
                {1.0, {"术后出现{并发症}", "手术后发生{并发症}，又花费{金额}治疗", "因医生操作不当导致{并发症}"}},
                {0.6, {"医院拒绝承担责任", "与医院多次协商未果，医院只同意补偿{金额2}", "医院推说是正常并发症"}}},
               {"要求{医院}赔偿损失{金额}", "要求进行医疗事故鉴定并追究责任", "请求卫生健康部门调查处理"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> hospitals = {"人民医院", "中医院", "第一医院", "妇幼保健院", "中心医院"};
                 static const std::vector<std::string> ops = {"阑尾切除", "胆囊切除", "剖宫产", "膝关节置换", "白内障"};
                 static const std::vector<std::string> ills = {"胆结石", "骨关节炎", "阑尾炎", "白内障"};
                 static const std::vector<std::string> comps = {"感染", "神经损伤", "大出血", "偏瘫", "视力下降"};
                 s["医院"] = Chars(r, kPlaceChars, 2) + r.Pick(hospitals);
                 s["手术"] = r.Pick(ops);
                 s["疾病"] = r.Pick(ills);
                 s["并发症"] = r.Pick(comps);
                 s["日期"] = DateSlot(Before(r, d, 30, 400));
                 const long loss = Money(r, 20000, 400000);
                 s["金额"] = std::to_string(loss);
                 s["金额2"] = std::to_string(RoundTo(r, 2000, std::max(3000L, loss / 3), 1000));
               }});
  k.back().repeatable = true;
  // 9 学校乱收费
  k.push_back({"060301",
               {"060302", "060399", "060300"},
               {{1.0, {"{学校}向学生收取{费用}", "孩子所在的{学校}以{费用}名义收费", "{学校}强制学生缴纳{费用}"}},
                {1.0, {"每人{金额}", "每学期{金额}", "每名学生交{金额}"}},
                {0.6, {"未开具正规票据", "家长不交就不让孩子上课", "收费项目未经物价部门批准"}}},
               {"要求{学校}退还违规收取的费用", "要求教育局查处乱收费", "请求停止违规收费"},
               [](Rng& r, Slots& s, Date) {
                 static const std::vector<std::string> schools = {"小学", "中学", "实验学校", "第二中学"};
                 static const std::vector<std::string> fees = {"资料费", "补课费", "校服费", "择校费", "午托费"};
                 s["学校"] = Chars(r, kPlaceChars, 2) + r.Pick(schools);
                 s["费用"] = r.Pick(fees);
                 s["金额"] = std::to_string(RoundTo(r, 100, 6000, 50));
               }});
  k.back().repeatable = true;
  // 10 违法建设
  k.push_back({"030302",
               {"030301", "030399", "030300"},
               {{1.0,
                 {"邻居{人}在{小区}小区{楼}号楼楼顶违法搭建{构筑物}", "{小区}小区{楼}号楼顶层住户{人}私自加建{构筑物}",
                  "{人}在{小区}{楼}号楼顶违建{构筑物}"}},
                {0.9, {"严重影响采光和楼体安全", "导致楼下漏水，影响居住安全", "存在消防安全隐患"}},
                {0.6, {"已向物业和城管反映，一直没有拆除", "{日期}起开始施工，城管执法队未制止", "多次举报无人处理"}}},
               {"要求依法拆除违法建筑", "请求城管部门尽快查处", "要求恢复楼顶原状"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> builds = {"彩钢房", "阳光房", "鸽子棚", "小二楼"};
                 s["人"] = PersonName(r);
                 s["小区"] = Estate(r);
                 s["楼"] = std::to_string(r.Between(1, 40));
                 s["构筑物"] = r.Pick(builds);
                 s["日期"] = DateSlot(Before(r, d, 10, 200));
               }});
  // 11 拖欠工程款
  k.push_back({"030402",
               {"030401", "030499", "030400"},
               {{1.0,
                 {"其承包的{公司}{项目}{工程}于{日期}完工", "为{公司}施工的{项目}{工程}已于{日期}竣工验收",
                  "{日期}完成{公司}发包的{项目}{工程}"}},
                {1.0, {"{公司}至今拖欠工程款{金额}", "尚欠工程款{金额}未付", "工程款{金额}迟迟不结算"}},
                {0.6, {"导致其无法支付工人工资", "多次催要，{公司}以审计未完成推脱", "已垫资{金额2}，资金链断裂"}}},
               {"要求{公司}支付拖欠的工程款", "请求督促结算工程款{金额}", "要求依法追讨工程欠款"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> trades = {"置业", "房地产开发", "建设", "城投"};
                 static const std::vector<std::string> projects = {"花园", "商业广场", "安置小区", "学校", "医院"};
                 static const std::vector<std::string> works = {"土建工程", "水电安装工程", "装修工程", "道路硬化工程"};
                 s["公司"] = Company(r, trades);
                 s["项目"] = Chars(r, kPlaceChars, 2) + r.Pick(projects);
                 s["工程"] = r.Pick(works);
                 s["日期"] = DateSlot(Before(r, d, 90, 900));
                 const long owed = Money(r, 50000, 3000000);
                 s["金额"] = std::to_string(owed);
                 s["金额2"] = std::to_string(RoundTo(r, 10000, std::max(20000L, owed / 2), 10000));
               }});
  k.back().repeatable = true;
  // 12 土地流转
  k.push_back({"010202",
               {"010201", "010203", "010200"},
               {{1.0,
                 {"{日期}将{亩}亩承包地流转给{公司}", "其家{亩}亩土地由村里统一流转给{公司}种植{作物}",
                  "{村}{组}组土地被流转给{公司}"}},
                {0.9, {"约定每亩每年流转费{金额}", "流转费每亩{金额}", "合同约定流转费每年{金额}"}},
                {1.0, {"{公司}已{年数}年未支付流转费", "{月份}以来流转费一直拖欠", "老板{人}跑路，流转费无人支付"}}},
               {"要求支付拖欠的土地流转费", "要求解除流转合同，收回承包地", "请求镇政府协调解决流转费"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> trades = {"农业", "生态农业", "农业科技", "苗木"};
                 static const std::vector<std::string> crops = {"苗木", "蔬菜", "中药材", "葡萄"};
                 s["村"] = Village(r);
                 s["组"] = std::to_string(r.Between(1, 12));
                 s["亩"] = std::to_string(r.Between(2, 40));
                 s["公司"] = Company(r, trades);
                 s["作物"] = r.Pick(crops);
                 s["人"] = PersonName(r);
                 s["年数"] = std::to_string(r.Between(1, 4));
                 s["日期"] = DateSlot(Before(r, d, 400, 2000));
                 s["月份"] = MonthSlot(Before(r, d, 100, 800));
                 s["金额"] = std::to_string(RoundTo(r, 300, 1500, 50));
               }});
  // 13 逾期交房办证
  k.push_back({"030203",
               {"030202", "030299", "030200"},
               {{1.0,
                 {"{日期}购买了{公司}开发的{小区}商品房", "在{小区}小区购房，开发商为{公司}", "购买{小区}{楼}号楼住房一套，总价{金额}"}},
                {1.0, {"合同约定{日期2}交房，至今未交付", "逾期{年数}年仍未交房", "已交房但{年数}年办不了房产证"}},
                {0.6, {"开发商{公司}称资金链断裂", "几百户业主同样受害", "每月还贷{金额2}，又要租房，负担很重"}}},
               {"要求{公司}尽快交房并支付违约金", "要求协调办理不动产权证", "请求政府介入解决烂尾楼问题"},
               [](Rng& r, Slots& s, Date d) {
                 static const std::vector<std::string> trades = {"置业", "房地产开发", "地产"};
                 s["公司"] = Company(r, trades);
                 s["小区"] = Estate(r);
                 s["楼"] = std::to_string(r.Between(1, 30));
                 s["日期"] = DateSlot(Before(r, d, 700, 2000));
                 s["日期2"] = DateSlot(Before(r, d, 100, 600));
                 s["年数"] = std::to_string(r.Between(1, 4));
                 s["金额"] = std::to_string(RoundTo(r, 500000, 3000000, 10000));
                 s["金额2"] = std::to_string(RoundTo(r, 2000, 9000, 100));
               }});
  // 14 退役军人安置
  k.push_back({"070201",
               {"070202", "070299", "070200"},
               {{1.0, {"本人系{年份}年入伍的退役士兵", "信访人{年份}年退役，属自主就业退役士兵", "于{年份}年从部队退伍回乡"}},
                {1.0, {"一直未按政策安置工作", "退役时承诺的安置至今没有落实", "{单位}以没有编制为由不予安置"}},
                {0.6, {"同批退役的战友已经安置", "多次到{单位}反映无结果", "生活困难，{家庭情况}"}}},
               {"要求按政策落实安置待遇", "请求安排工作岗位", "要求落实退役士兵优待政策"},
               [](Rng& r, Slots& s, Date) {
                 static const std::vector<std::string> units = {"区退役军人事务局", "县民政局", "区人社局"};
                 static const std::vector<std::string> family = {"父母年迈多病", "妻子没有工作", "孩子上学需要用钱"};
                 s["年份"] = std::to_string(r.Between(2003, 2020));
                 s["单位"] = r.Pick(units);
                 s["家庭情况"] = r.Pick(family);
               }});
  return k;
}

// Fills {slot} placeholders; amounts and dates are written in a form chosen
// for each occurrence.
std::string Fill(Rng& rng, const std::string& pattern, const Slots& s, const std::string& petitioner) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern[i] != '{') {
      out += pattern[i++];
      continue;
    }
    const auto close = pattern.find('}', i);
    const std::string key = pattern.substr(i + 1, close - i - 1);
    i = close + 1;
    if (key == "姓名") {
      out += petitioner;
      continue;
    }
    const auto it = s.find(key);
    if (it == s.end()) continue;
    const std::string& v = it->second;
    if (key.rfind("金额", 0) == 0) {
      out += Amount(rng, std::atol(v.c_str()));
    } else if (key.rfind("日期", 0) == 0) {
      out += DateText(rng, *Date::Parse(v));
    } else if (key.rfind("月份", 0) == 0) {
      out += MonthText(rng, *Date::Parse(v + "-01"));
    } else {
      out += v;
    }
  }
  return out;
}

// ---- people ------------------------------------------------------------------

struct Person {
  int id = 0;
  std::string name;
  std::string id18;
  bool male = true;
  Date birth;
  const County* county = nullptr;
  std::string address_tail;  // after the county prefix
  std::vector<std::string> phones;  // the newest last
};

std::string Phone(Rng& rng) {
  static const std::vector<std::string> heads = {"13", "15", "17", "18", "19"};
  std::string p = rng.Pick(heads);
  for (int i = 0; i < 9; ++i) p += static_cast<char>('0' + rng.Below(10));
  return p;
}

std::string PhoneText(Rng& rng, const std::string& p) {
  switch (rng.Below(6)) {
    case 0: return p.substr(0, 3) + "-" + p.substr(3, 4) + "-" + p.substr(7);
    case 1: return p.substr(0, 3) + " " + p.substr(3, 4) + " " + p.substr(7);
    case 2: return "+86 " + p;
    default: return p;
  }
}

std::string IdNumberFor(Rng& rng, const County& c, Date birth, bool male) {
  char buf[32];
  long seq = rng.Between(1, 499) * 2 + (male ? 1 : 0);
  std::snprintf(buf, sizeof buf, "%s%04d%02d%02d%03ld", c.code, birth.year, birth.month, birth.day, seq % 1000);
  std::string first17(buf, 17);
  return first17 + IdCheckCharacter(first17);
}

// The 15-digit first-generation form of an 18-character number of someone born 19YY.
std::string FirstGeneration(const std::string& id18) { return id18.substr(0, 6) + id18.substr(8, 9); }

class Generator {
 public:
  explicit Generator(const Options& o) : m_rng(o.seed), m_kinds(Kinds()), m_target(o.registrations) {}

  std::vector<Registration> Run() {
    while (static_cast<int>(m_out.size()) < m_target) Step();
    std::stable_sort(m_out.begin(), m_out.end(), [](const Registration& a, const Registration& b) {
      return a.record.received_date < b.record.received_date;
    });
    return std::move(m_out);
  }

 private:
  Person& NewPerson(const County& county, bool common_name, const std::string& address_tail) {
    Person p;
    p.id = static_cast<int>(m_people.size());
    p.name = common_name ? m_rng.Pick(kCommonNames) : PersonName(m_rng);
    p.male = m_rng.Chance(0.5);
    p.birth = Date{static_cast<int>(m_rng.Between(1948, 2002)), static_cast<int>(m_rng.Between(1, 12)),
                   static_cast<int>(m_rng.Between(1, 28))};
    p.county = &county;
    p.id18 = IdNumberFor(m_rng, county, p.birth, p.male);
    p.phones.push_back(Phone(m_rng));
    p.address_tail = address_tail;
    m_people.push_back(p);
    return m_people.back();
  }

  std::string AddressTail(const Slots& facts) {
    // Villagers live in the matter's village when there is one.
    const auto v = facts.find("村");
    if (v != facts.end() && m_rng.Chance(0.7)) {
      return Township(m_rng) + v->second + std::to_string(m_rng.Between(1, 12)) + "组" +
             std::to_string(m_rng.Between(1, 120)) + "号";
    }
    return Estate(m_rng) + std::to_string(m_rng.Between(1, 30)) + "号楼" + std::to_string(m_rng.Between(1, 6)) +
           "单元" + std::to_string(m_rng.Between(1, 30) * 100 + m_rng.Between(1, 4)) + "室";
  }

  struct Matter {
    int id = 0;
    const Kind* kind = nullptr;
    Slots facts;
    const County* county = nullptr;
    std::string place9;  // a township of the county (statistical form)
    Date first;          // the first registration's received date
    int collective = -1;
  };

  Matter NewMatter(const Kind& kind, const County& county, Date first) {
    Matter m;
    m.id = m_next_matter++;
    m.kind = &kind;
    m.county = &county;
    m.first = first;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%03ld", m_rng.Between(1, 20));
    m.place9 = std::string(county.code) + buf;
    kind.facts(m_rng, m.facts, first);
    return m;
  }

  Date FirstDate() { return Date{2023, 1, 1}.AddDays(m_rng.Between(0, 900)); }

  // How many times a petitioner registers one matter.
  int ClusterSize(double shrink = 1.0) {
    const double r = static_cast<double>(m_rng.Below(1000)) / 1000.0 * shrink;
    if (r < 0.45) return 1;
    if (r < 0.72) return 2;
    if (r < 0.87) return 3;
    if (r < 0.96) return 4;
    return 5;
  }

  // One matter of one petitioner, registered `n` times.
  void Register(const Matter& m, Person& p, int n) {
    Date when = m.first;
    for (int k = 0; k < n; ++k) {
      std::string kind = k == 0 ? "first" : "rewrite";
      std::string node = m.county->code;
      if (k > 0) {
        if (m_rng.Chance(0.2)) {
          // 一信多投: the same letter at another body within days.
          kind = "one-letter-many-bodies";
          when = when.AddDays(m_rng.Between(0, 6));
          const std::string c = m.county->code;
          switch (m_rng.Below(3)) {
            case 0: node = c.substr(0, 4) + "00"; break;
            case 1: node = c.substr(0, 2) + "0000"; break;
            default: node = "100000"; break;
          }
        } else {
          when = when.AddDays(m_rng.Between(5, 150));
          if (m_rng.Chance(0.15)) p.phones.push_back(Phone(m_rng));  // a new phone since
        }
      }
      Registration r;
      r.matter = m.id;
      r.person = p.id;
      r.collective = m.collective;
      r.kind = kind;
      r.record = Record(m, p, when, node, k == 0, kind == "one-letter-many-bodies");
      m_out.push_back(std::move(r));
    }
  }

  schema::CaseRegistration Record(const Matter& m, const Person& p, Date when, const std::string& node, bool first,
                                  bool copy_of_letter) {
    static const std::vector<std::string> clerks = {"王晓梅", "李建军", "张丽华", "刘志强", "陈静", "赵海燕", "孙立新", "周敏"};
    static const std::vector<std::string> opening = {"",       "信访人称：",     "来信反映：",     "{姓名}来访反映，",
                                                     "据信访人讲述，", "信访人{姓名}反映，", "来电人称，", "网上反映："};
    static const std::vector<std::string> closing = {"", "望领导重视。", "请求上级督办。", "特此反映。", "情绪较为激动。", ""};
    schema::CaseRegistration c;
    c.received_date = when;
    static const std::vector<std::string> channels = {"100", "200", "301", "303", "400"};
    c.channel = m_rng.Pick(channels);
    if (c.channel == "200") c.visit_type = "1";
    c.registrar = m_rng.Pick(clerks);
    c.registering_body = node;
    schema::Petitioner sp;
    sp.name = p.name;
    if (m_rng.Chance(0.02)) sp.name = Typos(m_rng, sp.name, 1);
    sp.gender = p.male ? "1" : "2";
    sp.ethnicity = "01";
    const double id_missing = first ? 0.2 : 0.3;
    if (!m_rng.Chance(id_missing)) {
      sp.id_number = p.birth.year < 2000 && m_rng.Chance(0.05) ? FirstGeneration(p.id18) : p.id18;
    }
    sp.phone = PhoneText(m_rng, p.phones.back());
    sp.address = (m_rng.Chance(0.5) ? std::string(p.county->prefix) : "") + p.address_tail;
    sp.address_division = p.county->code;
    sp.first = true;
    c.petitioners.push_back(sp);

    // The text: a clerk's rewrite of the matter's facts.
    const Kind& k = *m.kind;
    std::vector<std::string> parts;
    for (const auto& clause : k.clauses) {
      const double keep = copy_of_letter ? std::min(1.0, clause.keep + 0.2) : clause.keep;
      if (!m_rng.Chance(keep)) continue;
      parts.push_back(Fill(m_rng, m_rng.Pick(clause.variants), m.facts, p.name));
    }
    if (parts.size() > 2 && m_rng.Chance(0.4)) {
      const auto a = static_cast<std::size_t>(m_rng.Below(static_cast<long>(parts.size())));
      const auto b = static_cast<std::size_t>(m_rng.Below(static_cast<long>(parts.size())));
      std::swap(parts[a], parts[b]);
    }
    std::string summary = Fill(m_rng, m_rng.Pick(opening), m.facts, p.name);
    for (std::size_t i = 0; i < parts.size(); ++i) {
      summary += parts[i];
      summary += i + 1 == parts.size() ? "。" : m_rng.Chance(0.7) ? "，" : "。";
    }
    summary += m_rng.Pick(closing);
    const auto first_request = static_cast<std::size_t>(m_rng.Below(static_cast<long>(k.requests.size())));
    std::string requests = Fill(m_rng, k.requests[first_request], m.facts, p.name);
    if (m_rng.Chance(0.3)) {
      const auto second = (first_request + 1 + static_cast<std::size_t>(m_rng.Below(static_cast<long>(k.requests.size()) - 1))) %
                          k.requests.size();
      requests += "，" + Fill(m_rng, k.requests[second], m.facts, p.name);
    }
    requests += "。";
    if (m_rng.Chance(0.35)) summary = Typos(m_rng, summary, static_cast<int>(m_rng.Between(1, 3)));
    if (m_rng.Chance(0.15)) requests = Typos(m_rng, requests, 1);
    c.summary = summary;
    c.requests = requests;
    c.problem_place = m_rng.Chance(0.25) ? m.place9 : m.county->code;
    c.content_category = m_rng.Chance(0.25) ? m_rng.Pick(k.near) : k.category;
    c.purpose = "02";
    return c;
  }

  void Step() {
    const long r = m_rng.Below(100);
    const County& county = m_rng.Pick(kCounties);
    const Kind& kind = m_rng.Pick(m_kinds);
    if (r < 12) {
      // A collective matter: 3–5 neighbours or co-workers, each their own petitioner.
      Matter shared = NewMatter(kind, county, FirstDate());
      const int group = m_next_collective++;
      const long n = m_rng.Between(3, 5);
      for (long i = 0; i < n; ++i) {
        Matter m = shared;
        m.id = m_next_matter++;
        m.collective = group;
        m.first = shared.first.AddDays(m_rng.Between(0, 20));
        Person& p = NewPerson(county, m_rng.Chance(0.1), AddressTail(shared.facts));
        Register(m, p, ClusterSize(0.8));
      }
      return;
    }
    if (r < 30 && !m_people.empty()) {
      // Someone who petitioned before raises another matter: as often as not
      // of the same kind (another employer's wages, another house).
      Person& p = m_people[static_cast<std::size_t>(m_rng.Below(static_cast<long>(m_people.size())))];
      const Kind* last = m_last_kind.count(p.id) ? m_last_kind[p.id] : nullptr;
      const Kind* chosen = &kind;
      if (last && last->repeatable && m_rng.Chance(0.6)) chosen = last;
      while (last && chosen == last && !last->repeatable) chosen = &m_rng.Pick(m_kinds);
      const Kind& k = *chosen;
      const County& where = m_rng.Chance(0.8) ? *p.county : county;
      Matter m = NewMatter(k, where, FirstDate());
      m_last_kind[p.id] = &k;
      Register(m, p, ClusterSize());
      return;
    }
    Matter m = NewMatter(kind, county, FirstDate());
    Person& p = NewPerson(county, m_rng.Chance(0.12), AddressTail(m.facts));
    m_last_kind[p.id] = &kind;
    Register(m, p, ClusterSize());
  }

  Rng m_rng;
  std::vector<Kind> m_kinds;
  int m_target;
  std::deque<Person> m_people;  // stable references
  std::map<int, const Kind*> m_last_kind;
  std::vector<Registration> m_out;
  int m_next_matter = 1;
  int m_next_collective = 1;
};

}  // namespace

std::vector<Registration> Generate(const Options& options) { return Generator(options).Run(); }

Evaluation::Evaluation(const std::vector<Registration>& set) : m_set(set) {}

void Evaluation::Observe(int i, const std::vector<Candidate>& ranked) {
  const auto& q = m_set[static_cast<std::size_t>(i)];
  ++m_f.queries;
  std::set<int> truth;
  for (int j = 0; j < i; ++j) {
    if (m_set[static_cast<std::size_t>(j)].matter == q.matter) truth.insert(j);
  }
  m_f.true_pairs += static_cast<long>(truth.size());
  std::set<int> linked, top5;
  for (std::size_t r = 0; r < ranked.size(); ++r) {
    const auto& c = ranked[r];
    if (r < 5 && c.decision != Decision::kNone) top5.insert(c.index);
    if (c.decision != Decision::kDuplicate) continue;
    ++m_f.duplicate_links;
    linked.insert(c.index);
    if (truth.count(c.index)) {
      ++m_f.duplicate_correct;
      continue;
    }
    const auto& o = m_set[static_cast<std::size_t>(c.index)];
    const std::string& qn = q.record.petitioners.front().name;
    const std::string& on = o.record.petitioners.front().name;
    if (o.person == q.person) {
      ++m_f.false_links["same person, other matter"];
    } else if (q.collective >= 0 && o.collective == q.collective) {
      ++m_f.false_links["collective matter, other petitioner"];
    } else if (qn == on) {
      ++m_f.false_links["same name, other person"];
    } else {
      ++m_f.false_links["other"];
    }
  }
  for (int j : truth) {
    if (top5.count(j)) ++m_f.top5_found;
    if (linked.count(j)) continue;
    bool found = false;
    for (const auto& c : ranked) found = found || (c.index == j && c.decision != Decision::kNone);
    ++m_f.missed[found ? "possible" : "not found"];
  }
}

Evaluation::Figures Evaluation::Result() const {
  Figures f = m_f;
  f.precision = f.duplicate_links ? static_cast<double>(f.duplicate_correct) / static_cast<double>(f.duplicate_links) : 1.0;
  f.recall = f.true_pairs ? static_cast<double>(f.duplicate_correct) / static_cast<double>(f.true_pairs) : 1.0;
  f.top5_recall = f.true_pairs ? static_cast<double>(f.top5_found) / static_cast<double>(f.true_pairs) : 1.0;
  return f;
}

}  // namespace xf::dedup::labelled
