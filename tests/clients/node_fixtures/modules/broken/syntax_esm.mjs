export const handler = async () => { nope
