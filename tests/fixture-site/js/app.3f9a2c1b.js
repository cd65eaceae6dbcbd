console.log('a fingerprinted asset');
