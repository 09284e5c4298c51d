throw new TypeError('init failed');
