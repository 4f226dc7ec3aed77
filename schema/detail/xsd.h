// Validation of whole documents against an XSD (schema/xfnode.xsd), on
// libxml2's streaming reader: no DOM, the same safety rules and limits as
// every other parse here (see xml_reader.h).
//
// Thread safety: a loaded XsdValidator is immutable; Validate may be called
// from several threads at once.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "codes/result.h"
#include "schema/xml.h"

namespace xf::schema::detail {

class XmlPull;

class XsdValidator {
 public:
  // Loads and compiles an XSD file. Fails (kInvalidArgument) with libxml2's
  // first message when the schema does not compile, kNotFound when absent.
  static Result<std::shared_ptr<const XsdValidator>> Load(const std::string& path);
  ~XsdValidator();
  XsdValidator(const XsdValidator&) = delete;
  XsdValidator& operator=(const XsdValidator&) = delete;

  // Ok when `xml` is well-formed and valid; else kInvalidArgument with the
  // first problem and its line, or kLimit.
  Status Validate(std::string_view xml, const XmlLimits& limits = {}) const;

 private:
  XsdValidator();
  void* SchemaHandle() const;  // the compiled xmlSchemaPtr, for XmlPull
  struct Impl;
  std::unique_ptr<Impl> m_impl;
  friend class XmlPull;
};

}  // namespace xf::schema::detail
