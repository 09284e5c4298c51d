import missing from 'no-such-package';
export const handler = async () => missing;
