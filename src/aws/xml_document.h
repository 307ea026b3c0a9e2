// XmlElement: a small element tree built with expat, for the XML that S3,
// SQS's query protocol and STS answer with (a few KB at most; listings of a
// thousand keys). Namespaces are not resolved: names are as written.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace flowdex {

struct XmlElement {
  std::string name;
  std::string text;  // character data directly inside this element (entities decoded)
  std::vector<XmlElement> children;

  // The first child named `child`, or nullptr.
  const XmlElement* Child(std::string_view child) const;
  // The text of the first child named `child`, or "" when absent.
  std::string ChildText(std::string_view child) const;
  // The first element named `name` anywhere below (depth first), or nullptr.
  const XmlElement* Find(std::string_view name) const;
};

// Parses a whole document into *root (its document element). Returns
// Corruption with expat's message and line for malformed XML.
Status ParseXml(std::string_view xml, XmlElement* root);

}  // namespace flowdex
