// Kept in step with package.json by a unit test (reading package.json at run time
// would need an fs read or a JSON import assertion in every consumer's bundle).
export const PACKAGE_VERSION = '0.1.0';
