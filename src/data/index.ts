export * from './image-dataset';
