// Source: MDN Web Docs examples (mdn/content, files/en-us/web/javascript/reference/global_objects/):
//   array/tosorted/index.md, string/iswellformed/index.md, regexp/unicodesets/index.md,
//   array/findlast/index.md
// Adaptations: the examples' console.log() calls are collected into the handler's result; the
//   wrapping handler was written for the corpus (no public Lambda handler exercises these).
export const handler = async () => {
  // Array.prototype.toSorted (Node 20)
  const months = ["Mar", "Jan", "Feb", "Dec"];
  const sortedMonths = months.toSorted();
  const values = [1, 10, 21, 2];
  const sortedValues = values.toSorted((a, b) => a - b);

  // String.prototype.isWellFormed / toWellFormed (Node 20)
  const strings = ["ab\uD800", "ab\uD800c", "\uDFFFab", "c\uDFFFab", "abc", "ab\uD83D\uDE04c"];
  const wellFormed = strings.map((str) => str.isWellFormed());
  const repaired = strings.map((str) => str.toWellFormed());

  // RegExp v flag: set operations in character classes (Node 20)
  const greekLower = /[\p{Lowercase}&&\p{Script=Greek}]/v;
  const nonAsciiDigit = /[\p{Decimal_Number}--[0-9]]/v;

  // Array.prototype.findLast (Node 18)
  const array1 = [5, 12, 50, 130, 44];
  const found = array1.findLast((element) => element > 45);

  return {
    sortedMonths, months, sortedValues, values,
    wellFormed, repaired,
    greek: [greekLower.test("α"), greekLower.test("a"), greekLower.test("Α")],
    digits: [nonAsciiDigit.test("٣"), nonAsciiDigit.test("3")],
    vFlag: greekLower.unicodeSets,
    found,
    node: process.version.split(".")[0],
  };
};
