// Reading one <proof> element from a pull parser: shared by BatchReader
// (proofs in a batch) and ParseEventProofXml (a proof kept by the store).
#pragma once

#include <string>

#include "exchange/proof.h"
#include "schema/detail/xml_reader.h"

namespace xf::exchange::detail {

// REQUIRES: `p` has just given the kStart of <proof>. Reads through its
// kEnd. False (with why) on anything that is not a well-formed proof.
bool ReadProof(schema::detail::XmlPull& p, EventProof& out, std::string& why);

}  // namespace xf::exchange::detail
