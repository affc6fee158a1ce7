import { strict as assert } from 'node:assert';
import { minorityGroups, minorityMask } from '../../src/directions/minority-groups';

describe('minorityGroups', () => {
  it('picks the least frequent group of each class in train', () => {
    const train = {
      labels: [0, 0, 0, 0, 1, 1, 1, 1, 1],
      groups: ['agrees', 'agrees', 'agrees', 'disagrees', 'agrees', 'disagrees', 'agrees', 'agrees', 'agrees'],
    };
    const m = minorityGroups(train);
    assert.deepEqual(m.byClass.get(0), ['disagrees']);
    assert.deepEqual(m.byClass.get(1), ['disagrees']);
    assert.equal(m.share.get(0)!.get('disagrees'), 0.25);
  });

  it('finds a subclass absent from train through the other splits', () => {
    const train = { labels: [0, 0, 1, 1, 1], groups: ['cat', 'cat', 'car', 'truck', 'truck'] };
    const test = { labels: [0, 0, 1], groups: ['cat', 'tiger', 'car'] };
    const m = minorityGroups(train, [test]);
    assert.deepEqual(m.byClass.get(0), ['tiger']);
    assert.equal(m.share.get(0)!.get('tiger'), 0);
    assert.deepEqual(m.byClass.get(1), ['car']);
    assert.deepEqual(Array.from(minorityMask(test, m)), [0, 1, 1]);
  });

  it('gives a single-group class no minority, and ties share it', () => {
    const m = minorityGroups({ labels: [0, 0, 1, 1], groups: ['a', 'a', 'b', 'c'] });
    assert.deepEqual(m.byClass.get(0), []);
    assert.deepEqual(m.byClass.get(1), ['b', 'c']);
  });

  it('names a split without groups', () => {
    assert.throws(() => minorityGroups({ labels: [0], name: 'train' }), /split 'train' has no groups/);
    assert.throws(() => minorityGroups({ labels: [0, 1], groups: ['a'] }), /1 groups for 2 labels/);
  });
});
