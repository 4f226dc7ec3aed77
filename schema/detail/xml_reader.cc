#include "schema/detail/xml_reader.h"

#include "schema/detail/xsd.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>

namespace xf::schema::detail {

namespace {

#if LIBXML_VERSION >= 21200
using XmlErrorArg = const xmlError*;
#else
using XmlErrorArg = xmlErrorPtr;
#endif

const char* Str(const xmlChar* s) { return s ? reinterpret_cast<const char*>(s) : ""; }

void InitLibxml() {
  // xmlInitParser must run once before threads use libxml2.
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

void IgnoreGeneric(void*, const char*, ...) {}

// Counts the attributes of each start tag in raw XML bytes, chunk by
// chunk: an '=' inside a tag and outside a quoted value is one attribute.
// Comments, processing instructions and CDATA are skipped (approximately:
// they end at the first '>'; what follows is text until the next '<').
class AttributeScan {
 public:
  explicit AttributeScan(std::size_t max) : m_max(max) {}
  // False when a tag has more than `max` attributes (then Line() is where).
  bool Feed(std::string_view chunk) {
    for (const char ch : chunk) {
      if (ch == '\n') ++m_line;
      switch (m_state) {
        case State::kText:
          if (ch == '<') m_state = State::kOpen;
          break;
        case State::kOpen:
          m_state = (ch == '!' || ch == '?' || ch == '/') ? State::kOther : State::kTag;
          m_count = 0;
          if (ch == '>') m_state = State::kText;
          break;
        case State::kTag:
          if (ch == '"' || ch == '\'') {
            m_quote = ch;
            m_state = State::kQuoted;
          } else if (ch == '=') {
            if (++m_count > m_max) return false;
          } else if (ch == '>') {
            m_state = State::kText;
          }
          break;
        case State::kQuoted:
          if (ch == m_quote) m_state = State::kTag;
          break;
        case State::kOther:
          if (ch == '>') m_state = State::kText;
          break;
      }
    }
    return true;
  }
  int Line() const { return m_line; }
  std::string Message() const {
    return "XML element with more than " + std::to_string(m_max) + " attributes (line " + std::to_string(m_line) +
           "; rule R3, field: attributes): refused before it is parsed";
  }

 private:
  enum class State { kText, kOpen, kTag, kQuoted, kOther };
  std::size_t m_max;
  State m_state = State::kText;
  char m_quote = '"';
  std::size_t m_count = 0;
  int m_line = 1;
};

}  // namespace

struct XmlPull::Impl {
  struct ReaderFree {
    void operator()(xmlTextReaderPtr r) const { xmlFreeTextReader(r); }
  };
  std::unique_ptr<xmlTextReader, ReaderFree> reader;
  bool has_error = false;
  bool invalid = false;  // the error came from XSD validation
  bool has_schema = false;
  std::string error_message;
  int error_line = 0;
  // Streaming input (XmlPull(ReadFn, …)).
  ReadFn read;
  std::size_t max_bytes = 0;
  std::size_t total = 0;   // bytes handed to libxml2 so far
  std::string tail;        // the last bytes of the previous chunk, for the DTD scan
  bool io_failed = false;  // the source or a limit stopped the input
  Errc io_code = Errc::kInvalidArgument;
  std::string io_message;  // empty: the source failed (its owner knows why)
  std::optional<AttributeScan> attributes;

  static int IoRead(void* ctx, char* buf, int len) {
    auto* self = static_cast<Impl*>(ctx);
    if (self->io_failed) return -1;
    const int n = self->read(buf, len);
    if (n < 0) {
      self->io_failed = true;
      return -1;
    }
    self->total += static_cast<std::size_t>(n);
    if (self->total > self->max_bytes) {
      self->io_failed = true;
      self->io_code = Errc::kLimit;
      self->io_message = "XML document exceeds the limit of " + std::to_string(self->max_bytes) + " bytes";
      return -1;
    }
    // "<!DOCTYPE" or "<!ENTITY", also across a chunk boundary.
    std::string_view chunk(buf, static_cast<std::size_t>(n));
    std::string seam = self->tail;
    seam.append(chunk.substr(0, std::min<std::size_t>(chunk.size(), 8)));
    auto has = [](std::string_view s) { return s.find("<!DOCTYPE") != s.npos || s.find("<!ENTITY") != s.npos; };
    if (has(chunk) || has(seam)) {
      self->io_failed = true;
      self->io_code = Errc::kInvalidArgument;
      self->io_message = "XML with a DOCTYPE or entity declaration is not accepted";
      return -1;
    }
    if (self->attributes && !self->attributes->Feed(chunk)) {
      self->io_failed = true;
      self->io_code = Errc::kLimit;
      self->io_message = self->attributes->Message();
      return -1;
    }
    if (chunk.size() >= 8) {
      self->tail.assign(chunk.substr(chunk.size() - 8));
    } else {
      self->tail.append(chunk);
      if (self->tail.size() > 8) self->tail.erase(0, self->tail.size() - 8);
    }
    return n;
  }

  static void OnError(void* arg, XmlErrorArg e) {
    auto* self = static_cast<Impl*>(arg);
    if (self == nullptr || e == nullptr || e->level < XML_ERR_ERROR || self->has_error) return;
    self->has_error = true;
    self->error_line = e->line;
    self->invalid = e->domain == XML_FROM_SCHEMASV;
    std::string msg = e->message ? e->message : "parse error";
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    self->error_message = std::move(msg);
  }
};

namespace {

// While a libxml2 call runs, this thread's generic and structured error
// handlers point at the parser (libxml2 keeps them per thread), so nothing
// that bypasses the reader's own handler reaches stderr. Restored after.
class ErrorScope {
 public:
  ErrorScope(void* ctx, xmlStructuredErrorFunc handler)
      : m_generic(xmlGenericError),
        m_generic_ctx(xmlGenericErrorContext),
        m_structured(xmlStructuredError),
        m_structured_ctx(xmlStructuredErrorContext) {
    xmlSetGenericErrorFunc(nullptr, IgnoreGeneric);
    xmlSetStructuredErrorFunc(ctx, handler);
  }
  ~ErrorScope() {
    xmlSetGenericErrorFunc(m_generic_ctx, m_generic);
    xmlSetStructuredErrorFunc(m_structured_ctx, m_structured);
  }
  ErrorScope(const ErrorScope&) = delete;
  ErrorScope& operator=(const ErrorScope&) = delete;

 private:
  xmlGenericErrorFunc m_generic;
  void* m_generic_ctx;
  xmlStructuredErrorFunc m_structured;
  void* m_structured_ctx;
};

}  // namespace

XmlPull::XmlPull(std::string_view xml, const XmlLimits& limits, const XsdValidator* schema)
    : m_impl(std::make_unique<Impl>()), m_limits(limits) {
  InitLibxml();
  if (xml.size() > m_limits.max_bytes || xml.size() > static_cast<std::size_t>(INT_MAX)) {
    Fail(Errc::kLimit, "XML document of " + std::to_string(xml.size()) +
                           " bytes exceeds the limit of " + std::to_string(m_limits.max_bytes));
    return;
  }
  // No DTD is ever needed: refusing the bytes outright keeps entity
  // declarations (billion laughs, external entities) away from libxml2.
  if (xml.find("<!DOCTYPE") != xml.npos || xml.find("<!ENTITY") != xml.npos) {
    Fail(Errc::kInvalidArgument, "XML with a DOCTYPE or entity declaration is not accepted");
    return;
  }
  if (AttributeScan scan(m_limits.max_attributes); !scan.Feed(xml)) {
    Fail(Errc::kLimit, scan.Message());
    return;
  }
  ErrorScope scope(m_impl.get(), &Impl::OnError);
  constexpr int kOptions =
      XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC | XML_PARSE_NOXINCNODE;
  m_impl->reader.reset(
      xmlReaderForMemory(xml.data(), static_cast<int>(xml.size()), nullptr, "UTF-8", kOptions));
  if (!m_impl->reader) {
    Fail(Errc::kInternal, "cannot create an XML reader");
    return;
  }
  xmlTextReaderSetStructuredErrorHandler(m_impl->reader.get(), &Impl::OnError, m_impl.get());
  if (schema != nullptr &&
      xmlTextReaderSetSchema(m_impl->reader.get(),
                             static_cast<xmlSchemaPtr>(schema->SchemaHandle())) != 0) {
    Fail(Errc::kInternal, "cannot attach the XSD to the XML reader");
  }
  m_impl->has_schema = schema != nullptr;
}

XmlPull::XmlPull(ReadFn read, const XmlLimits& limits, const XsdValidator* schema)
    : m_impl(std::make_unique<Impl>()), m_limits(limits) {
  InitLibxml();
  m_impl->read = std::move(read);
  m_impl->max_bytes = m_limits.max_bytes;
  m_impl->attributes.emplace(m_limits.max_attributes);
  ErrorScope scope(m_impl.get(), &Impl::OnError);
  constexpr int kOptions =
      XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC | XML_PARSE_NOXINCNODE;
  m_impl->reader.reset(xmlReaderForIO(&Impl::IoRead, nullptr, m_impl.get(), nullptr, "UTF-8", kOptions));
  if (!m_impl->reader) {
    if (m_impl->io_failed && !m_impl->io_message.empty()) {
      Fail(m_impl->io_code, m_impl->io_message);
    } else {
      Fail(m_impl->io_failed ? Errc::kInvalidArgument : Errc::kInternal,
           m_impl->io_failed ? "the XML input failed" : "cannot create an XML reader");
    }
    return;
  }
  xmlTextReaderSetStructuredErrorHandler(m_impl->reader.get(), &Impl::OnError, m_impl.get());
  if (schema != nullptr &&
      xmlTextReaderSetSchema(m_impl->reader.get(),
                             static_cast<xmlSchemaPtr>(schema->SchemaHandle())) != 0) {
    Fail(Errc::kInternal, "cannot attach the XSD to the XML reader");
  }
  m_impl->has_schema = schema != nullptr;
}

XmlPull::~XmlPull() {
  if (m_impl && m_impl->reader) {
    ErrorScope scope(m_impl.get(), &Impl::OnError);
    if (m_impl->has_schema && !m_impl->read) {
      // libxml2 (2.9) leaks the XSD identity-constraint state of a
      // validation stopped mid-document; reading to the end (the input is
      // already bounded) lets it unwind.
      while (xmlTextReaderRead(m_impl->reader.get()) == 1) {
      }
    }
    m_impl->reader.reset();
  }
}

int XmlPull::Line() const {
  if (!m_impl || !m_impl->reader) return 0;
  return xmlTextReaderGetParserLineNumber(m_impl->reader.get());
}

void XmlPull::Fail(Errc code, std::string message) {
  if (m_failed) return;
  m_failed = true;
  m_error = MakeError(code, std::move(message));
}

XmlPull::Tok XmlPull::Next() {
  if (m_failed) return Tok::kError;
  if (m_pending_end) {
    m_pending_end = false;
    --m_depth;
    return Tok::kEnd;
  }
  xmlTextReaderPtr r = m_impl->reader.get();
  ErrorScope scope(m_impl.get(), &Impl::OnError);
  for (;;) {
    const int rc = xmlTextReaderRead(r);
    if (m_impl->io_failed) {
      // The input stopped: a limit, a declaration, or the source's own
      // failure (whose owner reports it).
      Fail(m_impl->io_message.empty() ? Errc::kInvalidArgument : m_impl->io_code,
           m_impl->io_message.empty() ? "the XML input failed" : m_impl->io_message);
      return Tok::kError;
    }
    if (m_impl->has_error || rc < 0) {
      std::string msg = m_impl->invalid ? "not valid against the XSD" : "not well-formed XML";
      if (m_impl->has_error) msg += ": " + m_impl->error_message;
      const int line = m_impl->has_error ? m_impl->error_line : Line();
      if (line > 0) msg += " (line " + std::to_string(line) + ")";
      Fail(Errc::kInvalidArgument, std::move(msg));
      return Tok::kError;
    }
    if (rc == 0) {
      if (m_impl->has_schema && xmlTextReaderIsValid(r) != 1) {
        Fail(Errc::kInvalidArgument, "not valid against the XSD");
        return Tok::kError;
      }
      return Tok::kDone;
    }
    switch (xmlTextReaderNodeType(r)) {
      case XML_READER_TYPE_ELEMENT: {
        const std::size_t depth = static_cast<std::size_t>(xmlTextReaderDepth(r)) + 1;
        if (depth > m_limits.max_depth) {
          Fail(Errc::kLimit, "XML nesting deeper than " + std::to_string(m_limits.max_depth) +
                                 " (line " + std::to_string(Line()) + ")");
          return Tok::kError;
        }
        m_depth = depth;
        m_name = Str(xmlTextReaderConstLocalName(r));
        m_ns = Str(xmlTextReaderConstNamespaceUri(r));
        m_attrs.clear();
        const bool empty = xmlTextReaderIsEmptyElement(r) == 1;
        while (xmlTextReaderMoveToNextAttribute(r) == 1) {
          if (xmlTextReaderIsNamespaceDecl(r) == 1) continue;
          XmlAttr a{Str(xmlTextReaderConstNamespaceUri(r)), Str(xmlTextReaderConstLocalName(r)),
                    Str(xmlTextReaderConstValue(r))};
          if (a.value.size() > m_limits.max_text) {
            Fail(Errc::kLimit, "XML attribute " + a.name + " longer than " +
                                   std::to_string(m_limits.max_text) + " bytes");
            return Tok::kError;
          }
          m_attrs.push_back(std::move(a));
        }
        xmlTextReaderMoveToElement(r);
        m_pending_end = empty;
        return Tok::kStart;
      }
      case XML_READER_TYPE_END_ELEMENT:
        m_depth = static_cast<std::size_t>(xmlTextReaderDepth(r));
        return Tok::kEnd;
      case XML_READER_TYPE_TEXT:
      case XML_READER_TYPE_CDATA:
      case XML_READER_TYPE_WHITESPACE:
      case XML_READER_TYPE_SIGNIFICANT_WHITESPACE: {
        const char* v = Str(xmlTextReaderConstValue(r));
        const std::size_t n = std::strlen(v);
        if (n > m_limits.max_text) {
          Fail(Errc::kLimit, "XML text longer than " + std::to_string(m_limits.max_text) +
                                 " bytes (line " + std::to_string(Line()) + ")");
          return Tok::kError;
        }
        m_text.assign(v, n);
        return Tok::kText;
      }
      case XML_READER_TYPE_DOCUMENT_TYPE:
      case XML_READER_TYPE_ENTITY:
      case XML_READER_TYPE_ENTITY_REFERENCE:
      case XML_READER_TYPE_NOTATION:
        Fail(Errc::kInvalidArgument, "XML with a DTD or entity references is not accepted");
        return Tok::kError;
      default:
        continue;  // comments, processing instructions, the XML declaration
    }
  }
}

bool XmlPull::Skip() {
  std::size_t open = 1;
  while (open > 0) {
    switch (Next()) {
      case Tok::kStart:
        ++open;
        break;
      case Tok::kEnd:
        --open;
        break;
      case Tok::kText:
        break;
      case Tok::kDone:
        Fail(Errc::kInvalidArgument, "XML document ends inside an element");
        return false;
      case Tok::kError:
        return false;
    }
  }
  return true;
}

}  // namespace xf::schema::detail
