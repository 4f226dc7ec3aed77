#include "schema/detail/xsd.h"

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include <filesystem>
#include <mutex>

#include "schema/detail/xml_reader.h"

namespace xf::schema::detail {

namespace {

#if LIBXML_VERSION >= 21200
using XmlErrorArg = const xmlError*;
#else
using XmlErrorArg = xmlErrorPtr;
#endif

struct ParserCtxtFree {
  void operator()(xmlSchemaParserCtxtPtr p) const { xmlSchemaFreeParserCtxt(p); }
};

// The first error while compiling the schema.
struct FirstError {
  std::string message;
  static void On(void* arg, XmlErrorArg e) {
    auto* self = static_cast<FirstError*>(arg);
    if (e == nullptr || e->level < XML_ERR_ERROR || !self->message.empty()) return;
    self->message = e->message ? e->message : "schema error";
    while (!self->message.empty() && self->message.back() == '\n') self->message.pop_back();
    if (e->line > 0) self->message += " (line " + std::to_string(e->line) + ")";
  }
};

void IgnoreGeneric(void*, const char*, ...) {}

}  // namespace

struct XsdValidator::Impl {
  struct SchemaFree {
    void operator()(xmlSchemaPtr s) const { xmlSchemaFree(s); }
  };
  std::unique_ptr<xmlSchema, SchemaFree> schema;
};

XsdValidator::XsdValidator() : m_impl(std::make_unique<Impl>()) {}
XsdValidator::~XsdValidator() = default;

void* XsdValidator::SchemaHandle() const { return m_impl->schema.get(); }

Result<std::shared_ptr<const XsdValidator>> XsdValidator::Load(const std::string& path) {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return MakeError(Errc::kNotFound, "no XSD at " + path);
  }
  FirstError first;
  // This thread's handlers, for messages that bypass the context's own.
  const xmlGenericErrorFunc prev_generic = xmlGenericError;
  void* const prev_generic_ctx = xmlGenericErrorContext;
  const xmlStructuredErrorFunc prev_structured = xmlStructuredError;
  void* const prev_structured_ctx = xmlStructuredErrorContext;
  xmlSetGenericErrorFunc(nullptr, IgnoreGeneric);
  xmlSetStructuredErrorFunc(&first, &FirstError::On);

  std::shared_ptr<XsdValidator> v(new XsdValidator());
  {
    std::unique_ptr<xmlSchemaParserCtxt, ParserCtxtFree> ctxt(xmlSchemaNewParserCtxt(path.c_str()));
    if (ctxt) {
      xmlSchemaSetParserStructuredErrors(ctxt.get(), &FirstError::On, &first);
      v->m_impl->schema.reset(xmlSchemaParse(ctxt.get()));
    }
  }
  xmlSetGenericErrorFunc(prev_generic_ctx, prev_generic);
  xmlSetStructuredErrorFunc(prev_structured_ctx, prev_structured);
  if (!v->m_impl->schema) {
    return MakeError(Errc::kInvalidArgument,
                     path + ": " + (first.message.empty() ? "cannot compile" : first.message));
  }
  return std::shared_ptr<const XsdValidator>(std::move(v));
}

Status XsdValidator::Validate(std::string_view xml, const XmlLimits& limits) const {
  XmlPull pull(xml, limits, this);
  for (;;) {
    switch (pull.Next()) {
      case XmlPull::Tok::kDone:
        return {};
      case XmlPull::Tok::kError:
        return pull.error();
      default:
        break;
    }
  }
}

}  // namespace xf::schema::detail
