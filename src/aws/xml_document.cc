#include "aws/xml_document.h"

#include <expat.h>

#include <fmt/format.h>

namespace flowdex {

namespace {

struct Builder {
  std::vector<XmlElement*> stack;
  XmlElement* root;
  bool have_root = false;
  size_t depth_limit = 64;
  bool too_deep = false;
};

void OnStart(void* user, const XML_Char* name, const XML_Char** /*attrs*/) {
  auto* b = static_cast<Builder*>(user);
  if (b->stack.size() >= b->depth_limit) {
    b->too_deep = true;
    return;
  }
  XmlElement* e;
  if (b->stack.empty()) {
    e = b->root;
    b->have_root = true;
  } else {
    b->stack.back()->children.emplace_back();
    e = &b->stack.back()->children.back();
  }
  e->name = name;
  b->stack.push_back(e);
}

void OnEnd(void* user, const XML_Char* /*name*/) {
  auto* b = static_cast<Builder*>(user);
  if (b->too_deep || b->stack.empty()) return;
  b->stack.pop_back();
}

void OnText(void* user, const XML_Char* s, int len) {
  auto* b = static_cast<Builder*>(user);
  if (!b->stack.empty() && !b->too_deep) b->stack.back()->text.append(s, static_cast<size_t>(len));
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child) const {
  for (const XmlElement& c : children) {
    if (c.name == child) return &c;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child) const {
  const XmlElement* c = Child(child);
  return c ? c->text : std::string();
}

const XmlElement* XmlElement::Find(std::string_view target) const {
  for (const XmlElement& c : children) {
    if (c.name == target) return &c;
    if (const XmlElement* found = c.Find(target)) return found;
  }
  return nullptr;
}

Status ParseXml(std::string_view xml, XmlElement* root) {
  *root = XmlElement();
  XML_Parser parser = XML_ParserCreate("UTF-8");
  if (!parser) return Status::IoError("expat: out of memory");
  Builder b;
  b.root = root;
  XML_SetUserData(parser, &b);
  XML_SetElementHandler(parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser, OnText);
  Status s;
  if (XML_Parse(parser, xml.data(), static_cast<int>(xml.size()), XML_TRUE) == XML_STATUS_ERROR) {
    s = Status::Corruption(fmt::format("malformed XML at line {}: {}", XML_GetCurrentLineNumber(parser),
                                       XML_ErrorString(XML_GetErrorCode(parser))));
  } else if (b.too_deep) {
    s = Status::Corruption("XML nested too deeply");
  } else if (!b.have_root) {
    s = Status::Corruption("empty XML document");
  }
  XML_ParserFree(parser);
  return s;
}

}  // namespace flowdex
