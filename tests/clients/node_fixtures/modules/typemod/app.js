// A .js file under "type": "module": imported as an ES module.
export const handler = async () => ({ kind: 'type module', isModule: typeof require === 'undefined' });
