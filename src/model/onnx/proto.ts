/**
 * The one protobuf layer for ONNX files in this package: the message classes generated from
 * `onnx.proto` by the maintained `onnx-proto` package (protobufjs static code), plus the few helpers
 * every reader and writer here needs (int64 to number, value infos, tensor shapes, graph outputs).
 * No hand-written wire code: the exporter (`export.ts`) builds plain message objects and encodes
 * them; the readers (`graph.ts`) decode with the same classes.
 */
import { onnx } from 'onnx-proto';

export { onnx };

/** ONNX `TensorProto.DataType` codes used here. */
export const DT = onnx.TensorProto.DataType;

/** A protobuf int64 (a `Long` from protobufjs, or a plain number) as a JS number. */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** A `ValueInfoProto` for a dense tensor; string dims are symbolic (`'N'`, `'batch'`). */
export function valueInfo(name: string, elemType: number, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Element type and dims (number, symbolic name, or `null` when unknown) of a value info. */
export function tensorTypeOf(v: onnx.IValueInfoProto | null | undefined): { elemType: number; dims: Array<number | string | null> } | undefined {
  const t = v?.type?.tensorType;
  if (!t) return undefined;
  const dims = t.shape?.dim ? t.shape.dim.map((d) => (d.dimValue != null && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : d.dimParam ? d.dimParam : null)) : [];
  return { elemType: t.elemType ?? 0, dims };
}

/** Human name of a `TensorProto.DataType` code (`'float32'`, `'int64'`, ...). */
export function dataTypeName(code: number): string {
  const names: Record<number, string> = {
    1: 'float32',
    2: 'uint8',
    3: 'int8',
    4: 'uint16',
    5: 'int16',
    6: 'int32',
    7: 'int64',
    8: 'string',
    9: 'bool',
    10: 'float16',
    11: 'float64',
    12: 'uint32',
    13: 'uint64',
    16: 'bfloat16',
  };
  return names[code] ?? `type ${code}`;
}

/** Serialises a ModelProto. */
export function encodeModel(model: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A copy of `model` with extra graph outputs (any intermediate tensor names; ONNX Runtime infers
 * their types), serialised with the onnx-proto classes. The weights' bytes are shared, not copied,
 * until the encoder writes them out. Fields newer than onnx-proto's schema (ONNX 1.10, IR 8) are not
 * carried over; none of them changes what an inference graph computes.
 */
export function withExtraOutputs(model: onnx.IModelProto, outputs: onnx.IValueInfoProto[]): Uint8Array {
  const graph = model.graph ?? {};
  return encodeModel({ ...model, graph: { ...graph, output: [...(graph.output ?? []), ...outputs] } });
}
