export * from './ledgerStore.suite.js';
