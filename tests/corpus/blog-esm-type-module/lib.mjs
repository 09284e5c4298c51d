// Source: aws.amazon.com/blogs/compute/using-node-js-es-modules-and-top-level-await-in-aws-lambda/ (Dan Fox), first example
// Adaptations: none
// lib.mjs

export function double(x) {
    return x + x;
}
