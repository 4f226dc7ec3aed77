// R1, R2 and R3 on registrations built in code, against the shipped code book.
#include <doctest/doctest.h>

#include <string>

#include "test/unit/schema/validate_fixture.h"

namespace xf::schema {
namespace {

using testing::Book;
using testing::Find;
using testing::Has;
using testing::kToday;
using testing::Lines;
using testing::Validate;
using testing::ValidCase;

Attachment MakeAttachment(int i) {
  std::string sha(64, '0');
  sha[63] = static_cast<char>('a' + i);
  return {sha, 1000u + static_cast<unsigned>(i), "application/pdf",
          "材料" + std::to_string(i) + ".pdf"};
}

TEST_CASE("validate: the valid case has no violations") {
  const Violations v = Validate(ValidCase());
  CHECK_MESSAGE(v.empty(), Lines(v));
}

TEST_CASE("validate: violations name the record") {
  CaseRegistration c = ValidCase();
  c.case_id = "110105-2026-0000001";
  c.summary.clear();
  const Violations v = Validate(c);
  REQUIRE(v.size() == 1);
  CHECK(v[0].record == "110105-2026-0000001");
  CHECK(v[0].rule == "R3");
  CHECK(v[0].field == "summary");
}

// ---- R1 attachments ----------------------------------------------------------

TEST_CASE("validate: R1 at most max_attachments") {
  CaseRegistration c = ValidCase();
  c.attachments.clear();
  for (int i = 0; i < 5; ++i) c.attachments.push_back(MakeAttachment(i));
  CHECK(Validate(c).empty());
  c.attachments.push_back(MakeAttachment(5));
  const Violations v = Validate(c);
  REQUIRE(v.size() == 1);
  CHECK(v[0].rule == "R1");
  CHECK(v[0].field == "attachments");
  CHECK(v[0].message_en.find('6') != std::string::npos);
  CHECK(v[0].message_en.find('5') != std::string::npos);

  RecordLimits limits;
  limits.max_attachments = 6;
  CHECK(Validate(c, limits).empty());
  limits.max_attachments = 0;
  CHECK(Has(Validate(c, limits), "R1", "attachments"));
}

TEST_CASE("validate: R1 each attachment") {
  CaseRegistration c = ValidCase();
  c.attachments = {MakeAttachment(0), MakeAttachment(1), MakeAttachment(2), MakeAttachment(3),
                   MakeAttachment(4)};

  SUBCASE("malformed sha256") {
    c.attachments[1].sha256 = std::string(64, 'A');
    CHECK(Lines(Validate(c)) == "R1 attachments[1].sha256\n");
    c.attachments[1].sha256 = "abc";
    CHECK(Lines(Validate(c)) == "R1 attachments[1].sha256\n");
  }
  SUBCASE("duplicate content") {
    c.attachments[3].sha256 = c.attachments[1].sha256;
    const Violations v = Validate(c);
    CHECK(Lines(v) == "R1 attachments[3].sha256\n");
    CHECK(v[0].message_en.find("attachments[1]") != std::string::npos);
  }
  SUBCASE("size") {
    c.attachments[0].size = 0;
    c.attachments[2].size = 50ull * 1024 * 1024 + 1;
    c.attachments[4].size = 50ull * 1024 * 1024;  // the limit itself is fine
    CHECK(Lines(Validate(c)) == "R1 attachments[0].size\nR1 attachments[2].size\n");
  }
  SUBCASE("media type") {
    c.attachments[2].media_type = "application/x-msdownload";
    c.attachments[3].media_type = "";
    const Violations v = Validate(c);
    CHECK(Lines(v) == "R1 attachments[2].media_type\nR1 attachments[3].media_type\n");
    CHECK(v[0].message_en.find("application/x-msdownload") != std::string::npos);
    RecordLimits limits;
    limits.media_types.push_back("application/x-msdownload");
    CHECK(Lines(Validate(c, limits)) == "R1 attachments[3].media_type\n");
  }
  SUBCASE("name") {
    c.attachments[0].name = "";
    c.attachments[1].name = "../etc/passwd";
    c.attachments[2].name = "C:\\材料.pdf";
    c.attachments[3].name = "..";
    c.attachments[4].name = std::string("a\0b.pdf", 7);
    CHECK(Lines(Validate(c)) ==
          "R1 attachments[0].name\nR1 attachments[1].name\nR1 attachments[2].name\n"
          "R1 attachments[3].name\nR1 attachments[4].name\n");
  }
  SUBCASE("long Chinese file names are fine") {
    std::string name;
    for (int i = 0; i < 100; ++i) name += "答";
    c.attachments[0].name = name + ".pdf";
    CHECK(Validate(c).empty());
  }
}

// ---- R2 standard codes -------------------------------------------------------

TEST_CASE("validate: R2 every coded field of a case") {
  CaseRegistration c = ValidCase();
  c.channel = "来访";
  c.visit_type = "9x";
  c.purpose = "求决";
  c.content_category = "999999x";
  c.problem_place = "北京市朝阳区";
  c.petitioners[0].gender = "男";
  c.petitioners[0].ethnicity = "汉族";
  c.petitioners[0].education = "本科";
  c.petitioners[0].political_status = "党员";
  c.petitioners[0].address_division = "990000";
  const Violations v = Validate(c);
  CHECK(Lines(v) ==
        "R2 channel\nR2 visit_type\nR2 purpose\nR2 content_category\nR2 problem_place\n"
        "R2 petitioners[0].gender\nR2 petitioners[0].ethnicity\n"
        "R2 petitioners[0].address_division\nR2 petitioners[0].education\n"
        "R2 petitioners[0].political_status\n");
  // The message names the table, the code, the date and why.
  const Violation* channel = Find(v, "channel");
  REQUIRE(channel != nullptr);
  CHECK(channel->message_en.find("来访") != std::string::npos);
  CHECK(channel->message_en.find("channel") != std::string::npos);
  CHECK(channel->message_en.find("2026-02-16") != std::string::npos);
  CHECK(channel->message_en.find(codes::CodeCheckName(codes::CodeCheck::kUnknownCode)) !=
        std::string::npos);
  const codes::TableInfo* info = Book().Table(codes::table::kChannel);
  REQUIRE(info != nullptr);
  CHECK(channel->message_en.find(info->title) != std::string::npos);
}

TEST_CASE("validate: R2 optional codes may be empty") {
  CaseRegistration c = ValidCase();
  c.visit_type.clear();
  Petitioner& p = c.petitioners[0];
  p.ethnicity.clear();
  p.education.clear();
  p.political_status.clear();
  p.address_division.clear();
  p.id_number.clear();
  p.phone.clear();
  p.address.clear();
  p.employer.clear();
  CHECK(Validate(c).empty());
}

TEST_CASE("validate: R2 places of 6, 9 and 12 digits") {
  CaseRegistration c = ValidCase();
  for (const char* bad : {"11010", "1101051", "11010500100", "1101050010011", "abcdef"}) {
    c.problem_place = bad;
    CAPTURE(bad);
    CHECK(Lines(Validate(c)) == "R2 problem_place\n");
  }
}

TEST_CASE("validate: R2 a retired division is valid through its last year, refused after") {
  // 下城区 (330103) was abolished in 2021; its area is now 拱墅区 (330105).
  CaseRegistration c = ValidCase();
  c.problem_place = "330103";
  c.petitioners[0].address_division = "330103001";  // a township of it, in the 9-digit form
  c.petitioners[0].id_number.clear();
  c.due_date.reset();
  c.case_id = "110105-2022-0000001";
  c.received_date = Date{2021, 12, 31};
  CHECK_MESSAGE(Validate(c).empty(), Lines(Validate(c)));
  c.received_date = Date{2022, 1, 1};
  const Violations v = Validate(c);
  REQUIRE(Lines(v) == "R2 problem_place\nR2 petitioners[0].address_division\n");
  for (const Violation& x : v) {
    CHECK(x.record == "110105-2022-0000001");
    CHECK(x.message_en.find("330103 下城区 was abolished in 2021; its area is now 330105 拱墅区") !=
          std::string::npos);
    CHECK(x.message_en.find("2022-01-01") != std::string::npos);
    CHECK(x.message_en.find(codes::CodeCheckName(codes::CodeCheck::kRetired)) != std::string::npos);
  }
  CHECK(v[0].message_en ==
        "中华人民共和国行政区划代码 (division): code \"330103\" is not valid on 2022-01-01: 330103 "
        "下城区 "
        "was abolished in 2021; its area is now 330105 拱墅区 [retired]");
  // Several successors are each named.
  c.problem_place = "330104";
  c.petitioners[0].address_division.clear();
  const Violations v2 = Validate(c);
  REQUIRE(Lines(v2) == "R2 problem_place\n");
  CHECK(v2[0].message_en.find("its area is now 330102 上城区 and 330114 钱塘区") != std::string::npos);
}

TEST_CASE("validate: R2 codes are checked on the received date, not today") {
  // 潮阳市 (440582) was a county-level city from 1993 to 2003.
  const codes::CodeEntry* e = Book().Find(codes::table::kDivision, "440582");
  REQUIRE(e != nullptr);
  REQUIRE(e->valid_to);
  CHECK(e->valid_from == Date{1993, 1, 1});
  CHECK(e->valid_to == Date{2004, 1, 1});
  CaseRegistration c = ValidCase();
  c.problem_place = "440582";
  c.petitioners[0].id_number.clear();
  c.due_date.reset();
  c.received_date = Date{1992, 12, 31};
  Violations v = Validate(c);
  REQUIRE(Lines(v) == "R2 problem_place\n");
  CHECK(v[0].message_en.find(codes::CodeCheckName(codes::CodeCheck::kNotYetValid)) !=
        std::string::npos);
  CHECK(v[0].message_en.find("440582 潮阳市 is in use only from 1993") != std::string::npos);
  c.received_date = Date{1993, 1, 1};
  CHECK(Validate(c).empty());
  c.received_date = Date{2003, 12, 31};
  CHECK(Validate(c).empty());
  c.received_date = Date{2004, 1, 1};
  v = Validate(c);
  REQUIRE(Lines(v) == "R2 problem_place\n");
  CHECK(v[0].message_en.find("440582 潮阳市 was abolished in 2003; its area is now 440513 潮阳区 and "
                          "440514 潮南区") != std::string::npos);
  c.received_date = kToday;  // valid on no later date either
  CHECK(Lines(Validate(c)) == "R2 problem_place\n");
}

TEST_CASE("validate: R2 places are checked against the ministry's list, not statistical codes") {
  CaseRegistration c = ValidCase();
  // The municipalities' city level and statistical groups are no divisions.
  for (const char* place : {"110100", "110100001", "440301", "130171", "130171010"}) {
    CAPTURE(place);
    c.problem_place = place;
    const Violations v = Validate(c);
    REQUIRE(Lines(v) == "R2 problem_place\n");
    CHECK(v[0].message_en.find("is a statistical code (stat_division), not a GB/T 2260 division") !=
          std::string::npos);
  }
  // 西沙区, 南沙区 (三沙市) from 2020.
  c.problem_place = "460302";
  CHECK(Validate(c).empty());
  c.problem_place = "460303";
  CHECK(Validate(c).empty());
  // A township of the statistical table, and one it does not know.
  c.problem_place = "110105004";
  CHECK(Validate(c).empty());
  c.problem_place = "110105999";
  const Violations v = Validate(c);
  REQUIRE(Lines(v) == "R2 problem_place\n");
  CHECK(v[0].message_en.find("(stat_division)") != std::string::npos);
}

TEST_CASE("validate: R2 records from elsewhere keep the places their tables accepted") {
  // What a relay applies (Provenance::kRecorded): a code of any year or a
  // statistical county code, whatever the date; unknown codes still fail.
  CaseRegistration c = ValidCase();
  c.received_date = Date{2023, 5, 4};
  c.due_date.reset();
  for (const char* place : {"330103", "110100", "440301", "130171010", "371202"}) {
    CAPTURE(place);
    c.problem_place = place;
    CHECK_FALSE(Validate(c).empty());
    CHECK(ValidateCase(c, Book(), {}, kToday, Provenance::kRecorded).empty());
  }
  for (const char* place : {"990000", "110105999", "11010", "110101000001"}) {
    CAPTURE(place);
    c.problem_place = place;
    CHECK(Lines(ValidateCase(c, Book(), {}, kToday, Provenance::kRecorded)) ==
          "R2 problem_place\n");
  }
}

TEST_CASE("validate: R3 ID numbers on a case") {
  CaseRegistration c = ValidCase();
  Petitioner& p = c.petitioners[0];
  SUBCASE("a 15-digit number and its 18-digit form") {
    p.id_number = "110105491231002";
    CHECK(Validate(c).empty());
    p.id_number_18 = "11010519491231002X";
    CHECK(Validate(c).empty());
    p.id_number_18 = "110105194912310021";
    CHECK(Lines(Validate(c)) == "R3 petitioners[0].id_number_18\n");
    p.id_number = "11010519491231002X";
    p.id_number_18 = "11010519491231002X";
    CHECK(Lines(Validate(c)) == "R3 petitioners[0].id_number_18\n");
    p.id_number.clear();
    CHECK(Lines(Validate(c)) == "R3 petitioners[0].id_number_18\n");
  }
  SUBCASE("one person listed twice, once with the old number") {
    p.id_number = "11010519491231002X";
    Petitioner q = p;
    q.first = false;
    q.id_number = "110105491231002";
    c.petitioners.push_back(q);
    c.petitioner_count = 2;
    c.involved_count = 2;
    const Violations v = Validate(c);
    REQUIRE(Lines(v) == "R3 petitioners[1].id_number\n");
    CHECK(v[0].message_en == "the same ID number as petitioners[0]");
  }
  SUBCASE("born after the petition was received") {
    p.id_number = "110105202602200025";  // 2026-02-20; received 2026-02-16
    const Violations v = Validate(c);
    REQUIRE(Lines(v) == "R3 petitioners[0].id_number\n");
    CHECK(
        v[0].message_en ==
        "ID number (公民身份号码): birth date 2026-02-20 is after the received date (2026-02-16)");
  }
  SUBCASE("莱芜 and residence permits") {
    p.id_number = "371202198501010018";
    CHECK(Validate(c).empty());
    p.id_number = "830000199001010012";
    CHECK(Validate(c).empty());
  }
}

// ---- R3 well-formed data -----------------------------------------------------

TEST_CASE("validate: R3 required fields") {
  CaseRegistration c = ValidCase();
  c.channel.clear();
  c.registrar.clear();
  c.summary.clear();
  c.requests.clear();
  c.problem_place.clear();
  c.content_category.clear();
  c.purpose.clear();
  c.petitioners[0].name.clear();
  c.petitioners[0].gender.clear();
  const Violations v = Validate(c);
  CHECK(Lines(v) ==
        "R3 registrar\nR3 channel\nR3 purpose\nR3 content_category\nR3 problem_place\n"
        "R3 petitioners[0].name\nR3 petitioners[0].gender\nR3 summary\nR3 requests\n");
  for (const Violation& x : v) CHECK(x.message_en.find("required") != std::string::npos);
}

TEST_CASE("validate: R3 an anonymous petition may leave the name empty") {
  CaseRegistration c = ValidCase();
  c.anonymous = true;
  c.petitioners[0].name.clear();
  CHECK(Validate(c).empty());
}

TEST_CASE("validate: R3 received date range") {
  CaseRegistration c = ValidCase();
  c.due_date.reset();
  c.received_date = kToday;
  CHECK(Validate(c).empty());
  c.received_date = kToday.AddDays(1);
  CHECK(Lines(Validate(c)) == "R3 received_date\n");
  c.received_date = Date{1949, 9, 30};
  c.petitioners[0].id_number.clear();
  CHECK(Has(Validate(c), "R3", "received_date"));
}

TEST_CASE("validate: R3 petitioners and the first petitioner") {
  CaseRegistration c = ValidCase();
  SUBCASE("none") {
    c.petitioners.clear();
    CHECK(Lines(Validate(c)) == "R3 petitioners\n");
  }
  SUBCASE("no first") {
    c.petitioners[0].first = false;
    CHECK(Lines(Validate(c)) == "R3 petitioners\n");
  }
  SUBCASE("two first") {
    Petitioner p = c.petitioners[0];
    p.id_number = "11010519491231002X";
    p.gender = "2";
    c.petitioners.push_back(p);
    c.petitioner_count = 2;
    c.involved_count = 2;
    CHECK(Lines(Validate(c)) == "R3 petitioners\n");
    c.petitioners[1].first = false;
    CHECK(Validate(c).empty());
  }
  SUBCASE("too many") {
    RecordLimits limits;
    limits.max_petitioners = 0;
    CHECK(Lines(Validate(c, limits)) == "R3 petitioners\n");
  }
  SUBCASE("the same person twice") {
    Petitioner p = c.petitioners[0];
    p.first = false;
    c.petitioners.push_back(p);
    c.petitioner_count = 2;
    c.involved_count = 2;
    CHECK(Lines(Validate(c)) == "R3 petitioners[1].id_number\n");
  }
}

TEST_CASE("validate: R3 ID numbers carry the reason") {
  CaseRegistration c = ValidCase();
  c.petitioners[0].id_number = "440524188001010015";
  Violations v = Validate(c);
  REQUIRE(Lines(v) == "R3 petitioners[0].id_number\n");
  CHECK(v[0].message_en.find("expected '4'") != std::string::npos);
  c.petitioners[0].id_number = "11010519491231002x";
  v = Validate(c);
  REQUIRE(Lines(v) == "R3 petitioners[0].id_number\n");
  CHECK(v[0].message_en.find("uppercase") != std::string::npos);
}

TEST_CASE("validate: R3 phone numbers") {
  CaseRegistration c = ValidCase();
  for (const char* good : {"13812345678", "010-6512 3456", "+86 138 1234 5678", "12345"}) {
    c.petitioners[0].phone = good;
    CAPTURE(good);
    CHECK(Validate(c).empty());
  }
  for (const char* bad : {"1234", "138123456789012345678", "138-1234-567x", "138+12345678",
                          "(010)65123456", "+ - - -", "１３８１２３４５６７８"}) {
    c.petitioners[0].phone = bad;
    CAPTURE(bad);
    CHECK(Lines(Validate(c)) == "R3 petitioners[0].phone\n");
  }
}

TEST_CASE("validate: R3 counts") {
  CaseRegistration c = ValidCase();
  SUBCASE("petitioner count at least 1") {
    c.petitioner_count = 0;
    c.involved_count = 0;
    CHECK(Lines(Validate(c)) == "R3 petitioner_count\n");
  }
  SUBCASE("petitioner count covers the listed petitioners") {
    Petitioner p = c.petitioners[0];
    p.first = false;
    p.id_number.clear();
    c.petitioners.push_back(p);
    CHECK(Lines(Validate(c)) == "R3 petitioner_count\n");
  }
  SUBCASE("involved count covers the petitioners") {
    c.petitioner_count = 3;
    c.involved_count = 2;
    CHECK(Lines(Validate(c)) == "R3 involved_count\n");
    c.involved_count = 300;
    CHECK(Validate(c).empty());
  }
}

TEST_CASE("validate: R3 representatives of a collective petition") {
  CaseRegistration c = ValidCase();
  c.representatives = {"张三", "李四", "王五", "赵六", "钱七"};
  c.petitioner_count = 5;
  c.involved_count = 40;
  CHECK(Validate(c).empty());
  c.representatives.push_back("孙八");
  CHECK(Lines(Validate(c)) == "R3 representatives\n");
  c.representatives.pop_back();
  c.representatives[2].clear();
  CHECK(Lines(Validate(c)) == "R3 representatives[2]\n");
  c.representatives[2] = "王五";
  c.petitioner_count = 4;  // not a collective petition
  CHECK(Lines(Validate(c)) == "R3 representatives\n");
}

TEST_CASE("validate: R3 case ids, repeat cases and the registering body") {
  CaseRegistration c = ValidCase();
  c.case_id = "110105-2026-001";
  CHECK(Lines(Validate(c)) == "R3 case_id\n");
  c.case_id = "110105-2026-0000007";
  CHECK(Validate(c).empty());

  c.repeat = true;
  CHECK(Lines(Validate(c)) == "R3 initial_case_id\n");
  c.initial_case_id = "110105-2025-123";
  CHECK(Lines(Validate(c)) == "R3 initial_case_id\n");
  c.initial_case_id = c.case_id;
  CHECK(Lines(Validate(c)).empty());  // naming itself is R7 (schema/chronology.h)
  c.initial_case_id = "110105-2025-0000123";
  CHECK(Validate(c).empty());
  c.repeat = false;
  CHECK(Lines(Validate(c)) == "R3 initial_case_id\n");
  c.initial_case_id.clear();

  c.registering_body = "朝阳区信访办";
  CHECK(Lines(Validate(c)) == "R3 registering_body\n");
  c.registering_body = "110105.XFB";
  CHECK(Validate(c).empty());
}

TEST_CASE("validate: R3 dates: due date and registration time") {
  CaseRegistration c = ValidCase();
  c.due_date = c.received_date;
  CHECK(Validate(c).empty());
  c.due_date = c.received_date.AddDays(-1);
  CHECK(Lines(Validate(c)) == "R3 due_date\n");
  c.due_date.reset();
  c.registered_at = *Instant::Parse("2026-02-16T09:30:00+08:00");
  CHECK(Validate(c).empty());
  c.registered_at = *Instant::Parse("2026-02-15T23:59:59+08:00");
  CHECK(Lines(Validate(c)) == "R3 registered_at\n");
  c.registered_at = Instant::FromDate(kToday.AddDays(1));
  CHECK(Lines(Validate(c)) == "R3 registered_at\n");
}

TEST_CASE("validate: R3 text: UTF-8, control characters, lengths in code points") {
  CaseRegistration c = ValidCase();
  SUBCASE("length counts code points, not bytes") {
    c.summary.clear();
    for (int i = 0; i < 2000; ++i) c.summary += "访";  // 6000 bytes
    CHECK(Validate(c).empty());
    c.summary += "访";
    const Violations v = Validate(c);
    REQUIRE(Lines(v) == "R3 summary\n");
    CHECK(v[0].message_en.find("2001") != std::string::npos);
  }
  SUBCASE("invalid UTF-8") {
    c.requests = "要求\xE8\xAE";  // truncated sequence
    CHECK(Lines(Validate(c)) == "R3 requests\n");
    c.requests = "\xC0\xAF";  // overlong '/'
    CHECK(Lines(Validate(c)) == "R3 requests\n");
    c.requests = "\xED\xA0\x80";  // surrogate
    CHECK(Lines(Validate(c)) == "R3 requests\n");
    c.requests = "\xF4\x90\x80\x80";  // above U+10FFFF
    CHECK(Lines(Validate(c)) == "R3 requests\n");
  }
  SUBCASE("control characters") {
    c.summary = "第一行\n\t第二行";
    CHECK(Validate(c).empty());
    c.summary = "第一行\r\n第二行";
    CHECK(Lines(Validate(c)) == "R3 summary\n");
    c.summary = std::string("a\0b", 3);
    CHECK(Lines(Validate(c)) == "R3 summary\n");
    c.summary = "a\x7F";
    CHECK(Lines(Validate(c)) == "R3 summary\n");
    c.summary = "a\xC2\x85";  // U+0085, a C1 control
    CHECK(Lines(Validate(c)) == "R3 summary\n");
    c.summary = "正常";
    c.petitioners[0].name = "李\n建国";  // names are one line
    CHECK(Lines(Validate(c)) == "R3 petitioners[0].name\n");
  }
  SUBCASE("Unicode non-characters are refused, never replaced (issue 12)") {
    // U+FFFE, U+FFFF, U+FDD0, U+FDEF, U+1FFFE, U+10FFFF; and U+FFFD, U+FDCF, U+FDF0 beside them are text.
    for (const char* nonchar : {"\xEF\xBF\xBE", "\xEF\xBF\xBF", "\xEF\xB7\x90", "\xEF\xB7\xAF",
                                "\xF0\x9F\xBF\xBE", "\xF4\x8F\xBF\xBF"}) {
      CAPTURE(nonchar);
      c.summary = std::string("信访") + nonchar + "事项";
      const Violations v = Validate(c);
      REQUIRE(Lines(v) == "R3 summary\n");
      CHECK_MESSAGE(v[0].message_en.find("non-character U+") != std::string::npos, v[0].message_en);
      CHECK_MESSAGE(v[0].message_en.find("at character 3") != std::string::npos, v[0].message_en);
      c.summary = "正常";
      c.petitioners[0].address = std::string("路") + nonchar;
      CHECK(Lines(Validate(c)) == "R3 petitioners[0].address\n");
      c.petitioners[0].address.clear();
    }
    for (const char* text : {"\xEF\xBF\xBD", "\xEF\xB7\x8F", "\xEF\xB7\xB0", "\xF0\x9F\xBF\xBD"}) {
      CAPTURE(text);
      c.summary = std::string("信访") + text;
      CHECK(Validate(c).empty());
    }
    c.summary = "正常";
    // Quoted in a message, a non-character is escaped like a control character.
    c.channel = "1\xEF\xBF\xBE";
    const Violations v = Validate(c);
    REQUIRE(v.size() == 1);
    CHECK_MESSAGE(v[0].message_en.find("\\uFFFE") != std::string::npos, v[0].message_en);
  }
  SUBCASE("names and other text") {
    c.petitioners[0].name = std::string(51, 'a');
    c.registrar = "买买提·艾力";
    c.responsible_unit = std::string(4001, 'x');
    CHECK(Lines(Validate(c)) == "R3 petitioners[0].name\nR3 responsible_unit\n");
  }
  SUBCASE("messages stay printable") {
    c.channel = "\xFF\x01";
    const Violations v = Validate(c);
    REQUIRE(Lines(v) == "R2 channel\n");
    CHECK(v[0].message_en.find("\\xFF\\u0001") != std::string::npos);
  }
}

TEST_CASE("validate: white space around a code is refused, and the message says it is the white space") {
  CaseRegistration c = ValidCase();
  c.content_category = c.content_category + " ";
  c.problem_place = "\n" + c.problem_place;
  const Violations v = Validate(c);
  CHECK(Lines(v) == "R3 content_category\nR3 problem_place\n");
  for (const auto& x : v) {
    CHECK_MESSAGE(x.message_en.find("leading or trailing white space") != std::string::npos, x.message_en);
  }
}

TEST_CASE("validate: all violations are reported at once") {
  CaseRegistration c = ValidCase();
  c.case_id = "110105-2026-0000009";
  for (int i = 0; i < 6; ++i) c.attachments.push_back(MakeAttachment(i));  // 7: R1
  c.attachments[2].media_type = "application/zip";                         // R1
  c.content_category = "999999x";                                          // R2
  c.petitioners[0].gender = "3";                                           // R2
  c.petitioners[0].id_number = "440524188001010015";                       // R3
  c.summary.clear();                                                       // R3
  c.repeat = true;                                                         // R3
  const Violations v = Validate(c);
  CHECK(Lines(v) ==
        "R2 content_category\nR2 petitioners[0].gender\nR3 petitioners[0].id_number\n"
        "R3 summary\nR3 initial_case_id\nR1 attachments\nR1 attachments[2].media_type\n");
  for (const Violation& x : v) {
    CHECK(x.record == "110105-2026-0000009");
    CHECK(!x.message_en.empty());
  }
}

// Messages go into JSON answers and receipts: they must be valid UTF-8
// whatever the input held.
bool IsUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80                 ? 1
                            : c >= 0xC2 && c <= 0xDF ? 2
                            : c >= 0xE0 && c <= 0xEF ? 3
                            : c >= 0xF0 && c <= 0xF4 ? 4
                                                     : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

TEST_CASE("validate: arbitrary bytes in every field give printable messages") {
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  auto junk = [&] {
    std::string s(next() % 24, '\0');
    for (char& c : s) c = static_cast<char>(next() & 0xFF);
    return s;
  };
  for (int round = 0; round < 300; ++round) {
    CaseRegistration c = ValidCase();
    for (std::string* f :
         {&c.case_id, &c.channel, &c.visit_type, &c.registering_body, &c.registrar, &c.summary,
          &c.requests, &c.problem_place, &c.content_category, &c.purpose, &c.initial_case_id}) {
      if (next() % 2) *f = junk();
    }
    Petitioner& p = c.petitioners[0];
    for (std::string* f : {&p.name, &p.gender, &p.ethnicity, &p.id_number, &p.phone,
                           &p.address_division, &p.education, &p.political_status}) {
      if (next() % 2) *f = junk();
    }
    c.attachments[0] = {junk(), next() % 3, junk(), junk()};
    c.repeat = next() % 2;
    c.petitioner_count = static_cast<int>(next() % 7) - 2;
    c.received_date = Date::FromDays(static_cast<std::int64_t>(next() % 40000) - 10000);
    for (const Violation& v : Validate(c)) {
      CAPTURE(v.field);
      CHECK(IsUtf8(v.message_en));
      CHECK(!v.message_en.empty());
      CHECK(IsUtf8(v.message));
      CHECK(!v.message.empty());
    }
  }
}

TEST_CASE("validate: every message in Chinese (message) and English (message_en)") {
  CaseRegistration c = ValidCase();
  c.channel = "999";
  c.summary.clear();
  c.problem_place = "330103";
  c.received_date = Date{2022, 3, 1};
  c.petitioners[0].id_number = "44052418800101001";
  const Violations v = Validate(c);
  const Violation* channel = Find(v, "channel");
  REQUIRE(channel != nullptr);
  CHECK(channel->rule == "R2");
  CHECK(channel->message.find("代码 \"999\" 在 2022-03-01 无效：代码表中无此代码 [unknown_code]") != std::string::npos);
  CHECK(channel->message_en.find("code \"999\" is not valid on 2022-03-01: no such code in the table [unknown_code]") !=
        std::string::npos);
  const Violation* summary = Find(v, "summary");
  REQUIRE(summary != nullptr);
  CHECK(summary->message == "概况为必填项");
  CHECK(summary->message_en == "summary (概况) is required");
  const Violation* place = Find(v, "problem_place");
  REQUIRE(place != nullptr);
  CHECK(place->message.find("330103 下城区 已于 2021 年撤销；其区域现属 330105 拱墅区") != std::string::npos);
  CHECK(place->message_en.find("330103 下城区 was abolished in 2021; its area is now 330105 拱墅区") !=
        std::string::npos);
  const Violation* id = Find(v, "petitioners[0].id_number");
  REQUIRE(id != nullptr);
  CHECK(id->message == "公民身份号码：须为 18 个字符，实有 17 个（第一代号码为 15 位数字）");
  CHECK(id->message_en == "ID number (公民身份号码): must be 18 characters, got 17 (or 15 digits for a first-generation number)");
  // Every violation has both.
  for (const Violation& x : v) {
    CHECK_FALSE(x.message.empty());
    CHECK_FALSE(x.message_en.empty());
    CHECK(x.message != x.message_en);
    CHECK(Message(x, true) == x.message_en);
    CHECK(Message(x, false) == x.message);
  }
}

}  // namespace
}  // namespace xf::schema
