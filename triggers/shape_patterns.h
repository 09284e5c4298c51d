// The model's regular expressions for the shapes the decoder checks, as hand-written matchers:
// std::regex recurses once per character (a 1 MB string overflows the stack) and cannot read
// the model's look-behinds. Each matcher is linear in the value's length. Patterns are matched
// whole, as Lambda applies them ("has space.handler" fails Handler's [^\s]+). Pure.
#pragma once

#include <string_view>

#include "triggers/request_shape.h"

namespace stratus::triggers {

enum class PatternCheck { kMatches, kFails, kNotChecked };

// kNotChecked for shapes without a pattern and for the few whose pattern this build does not
// check (FileSystemArn, CapacityProviderArn, CodeSigningConfigArn: features Stratus lacks,
// answered by the handler instead).
PatternCheck checkPattern(const Shape& shape, std::string_view value);

}  // namespace stratus::triggers
