exports.handler = async () => 'cjs beside type module';
