// Loaded by a ready sandbox's bootstrap before its function arrives (assignment.mjs), so that
// the handler loader has run once; never invoked.
exports.handler = async () => null;
