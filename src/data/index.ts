export * from './image-dataset';
export * from './reserved';
