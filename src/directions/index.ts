export * from './evaluate-ranking';
