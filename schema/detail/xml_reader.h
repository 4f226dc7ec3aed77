// A bounded pull parser over libxml2's xmlTextReader (streaming: no DOM of
// the whole document). Safe on hostile input: no DTD at all (a document
// with a DOCTYPE is refused before libxml2 sees it), so no entity expansion;
// no network, no XInclude; the input is read as UTF-8 whatever it declares;
// XmlLimits on size, depth and text length. libxml2's messages never reach
// stderr: they are collected per parser (and per thread during the parse).
//
// The first failure is sticky: Next() returns kError from then on and
// error() says what happened (kInvalidArgument: not well-formed;
// kLimit: a limit was exceeded).
//
// Thread safety: one XmlPull per thread; distinct XmlPulls may run in
// parallel.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "codes/result.h"
#include "schema/xml.h"

namespace xf::schema::detail {

struct XmlAttr {
  std::string ns;    // namespace URI, empty for none
  std::string name;  // local name
  std::string value;
};

class XsdValidator;

class XmlPull {
 public:
  enum class Tok { kStart, kEnd, kText, kDone, kError };

  // REQUIRES: the bytes behind `xml` and `schema` outlive this object.
  // With a schema, the document is also validated as it streams by: the
  // first validity error fails the parse (kInvalidArgument).
  XmlPull(std::string_view xml, const XmlLimits& limits, const XsdValidator* schema = nullptr);

  // Streaming: libxml2 pulls the document through `read`, which fills up
  // to `len` bytes of `buf` and answers how many (0 at the end, -1 on a
  // failure of its own: the owner of the source says what it was). The
  // limits hold for the bytes read so far (max_bytes: the whole stream);
  // a DOCTYPE or ENTITY declaration anywhere in the stream fails the parse.
  // Memory stays bounded by libxml2's input window and the current node.
  // REQUIRES: `read` (and what it captures) outlives this object.
  using ReadFn = std::function<int(char* buf, int len)>;
  XmlPull(ReadFn read, const XmlLimits& limits, const XsdValidator* schema = nullptr);
  ~XmlPull();
  XmlPull(const XmlPull&) = delete;
  XmlPull& operator=(const XmlPull&) = delete;

  // The next start tag, end tag or text (CDATA included; comments and
  // processing instructions are skipped). An empty element gives kStart
  // then kEnd.
  Tok Next();

  // After kStart: the element's local name, namespace URI and attributes
  // (namespace declarations left out).
  const std::string& Name() const { return m_name; }
  const std::string& Ns() const { return m_ns; }
  const std::vector<XmlAttr>& Attrs() const { return m_attrs; }
  // After kText.
  const std::string& Text() const { return m_text; }
  // Element depth after kStart (the root is 1).
  std::size_t Depth() const { return m_depth; }
  int Line() const;

  // After kStart: consumes the element's content through its kEnd.
  // False when the parse failed meanwhile.
  bool Skip();

  bool Failed() const { return m_failed; }
  // REQUIRES: Failed()
  const Error& error() const { return m_error; }
  // Marks the parse failed (the first failure wins).
  void Fail(Errc code, std::string message);

  const XmlLimits& Limits() const { return m_limits; }

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
  XmlLimits m_limits;
  std::string m_name, m_ns, m_text;
  std::vector<XmlAttr> m_attrs;
  std::size_t m_depth = 0;
  bool m_pending_end = false;  // an empty element's kEnd is still due
  bool m_failed = false;
  Error m_error;
};

// The namespace check every reader makes: `ns` is kXmlNamespace.
inline bool IsOurs(std::string_view ns) { return ns == kXmlNamespace; }

}  // namespace xf::schema::detail
