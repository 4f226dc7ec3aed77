// The conformance report as one HTML page (node/CONFORMANCE.md, "HTML"),
// and the page frame and style the status page `GET /` shares with it.
//
// A page is one self-contained HTML5 document: inline <style>, charts as
// inline SVG, no script, no external stylesheet, font or image, so it can
// be mailed, archived or opened from removable media on the far side of an
// air gap. Its Content-Security-Policy (a <meta> in the page, and a header
// where the node serves it) allows inline style and nothing else.
//
// Every string that comes from data (node ids, case ids, fields, code
// versions — much of it written by other nodes) is hostile until escaped:
// it passes through html::Escape, in text and in attribute values alike
// (attributes are always double-quoted). Labels a person reads are Chinese;
// the document says lang="zh-CN" and its font stack finds Noto CJK.
//
// Stable hooks for tests and scripts (ids of sections and charts, data-
// attributes of rows and bars) are listed in CONFORMANCE.md.
//
// Thread safety: every function is pure; call from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "codes/codebook.h"
#include "codes/date.h"
#include "node/conformance.h"

namespace xf::node::html {

// Text or attribute value: & < > " ' become entities; bytes that are not
// well-formed UTF-8, and control characters other than tab and newline,
// become U+FFFD.
std::string Escape(std::string_view text);

// The shared CSS (the contents of the <style> element of every page).
std::string_view Style();

// A whole document: doctype, <html lang="zh-CN">, charset, viewport, the
// CSP <meta>, <title> (escaped here) and the style; `body` is HTML, put
// inside <body> as is.
std::string Page(std::string_view title, std::string_view body);

// The response header value matching the page's CSP <meta>.
std::string_view ContentSecurityPolicy();

// How a person names a jurisdiction: "110105 朝阳区" from the division
// table; a statistical group carries its parent ("110100 北京市市辖区");
// 100000 is the national bureau ("100000 国家信访局"); a department
// "110105.GAJ" is "110105.GAJ 朝阳区所属部门"; anything else is the id alone.
// Plain text: escape it before writing it into a page.
std::string JurisdictionName(const codes::CodeBook& book, std::string_view id);
// The division path a tooltip shows ("北京市 › 市辖区 › 朝阳区"); empty if unknown.
std::string DivisionPath(const codes::CodeBook& book, std::string_view id);

// "2026-05-01 14:03" in China time (UTC+8).
std::string ChinaTime(Instant t);
// "45秒", "12分钟", "3.2小时", "2.5天".
std::string Duration(std::int64_t seconds);

}  // namespace xf::node::html

namespace xf::node::conformance {

// The traffic lights (Light, kGreenAt, kAmberAt, kOverdueRedDays) are in
// node/conformance.h.

// The report as one self-contained HTML page; labels from `book` (division
// names, content categories).
std::string ToHtml(const Report& report, const codes::CodeBook& book);

}  // namespace xf::node::conformance
