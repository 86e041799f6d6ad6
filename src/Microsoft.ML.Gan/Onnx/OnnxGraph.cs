using System.Runtime.InteropServices;

namespace Microsoft.ML.Gan.Onnx;

/// <summary>ONNX tensor element types (TensorProto.DataType in the ONNX specification).</summary>
internal enum OnnxType
{
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
}

internal static class OnnxTypes
{
    /// <summary>The ONNX element type of a CLR value type: one table for every column kind that writes or reads tensors.</summary>
    public static OnnxType Of<T>() => Of(typeof(T));

    public static OnnxType Of(Type type) => type switch
    {
        _ when type == typeof(float) => OnnxType.Float,
        _ when type == typeof(double) => OnnxType.Double,
        _ when type == typeof(sbyte) => OnnxType.Int8,
        _ when type == typeof(byte) => OnnxType.UInt8,
        _ when type == typeof(short) => OnnxType.Int16,
        _ when type == typeof(ushort) => OnnxType.UInt16,
        _ when type == typeof(int) => OnnxType.Int32,
        _ when type == typeof(uint) => OnnxType.UInt32,
        _ when type == typeof(long) => OnnxType.Int64,
        _ when type == typeof(ulong) => OnnxType.UInt64,
        _ when type == typeof(bool) => OnnxType.Bool,
        _ when type == typeof(string) => OnnxType.String,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No ONNX element type for this type."),
    };
}

/// <summary>
/// Builds one ONNX graph (nodes, constant initializers, typed inputs and outputs) and serialises it as a
/// ModelProto. Only the parts of the ONNX schema this library writes are here; the field numbers are those of
/// the published onnx.proto. Every intermediate value gets a generated name under a prefix no column name can
/// take by accident, so graph outputs can carry the columns' own names. A subgraph (the body of a Loop,
/// <see cref="Subgraph"/>) shares its parent's names, which ONNX wants unique across scopes, and puts its constants
/// among the main graph's initializers; equal constants are stored once, so a network written twice (in a loop's
/// body and after it) keeps one copy of its weights.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The default ("ai.onnx") operator set the graphs use: opset 17 (ONNX 1.12), supported by ONNX Runtime 1.12 on.</summary>
    public const int OpsetVersion = 17;

    /// <summary>Opset 18 (ONNX 1.13, ONNX Runtime 1.14 on): the bitwise operators the self-contained graph's random streams need.</summary>
    public const int BitwiseOpsetVersion = 18;

    /// <summary>IR version 8 goes with opsets 17 and 18.</summary>
    public const int IrVersion = 8;

    /// <summary>ModelProto's metadata_props field.</summary>
    public const int MetadataPropsField = 14;

    private const string Prefix = "gan::";

    private readonly List<ProtoWriter> _nodes = [];
    private readonly List<ProtoWriter> _inputs = [];
    private readonly List<ProtoWriter> _outputs = [];
    private readonly OnnxGraph _root;

    // The main graph's: its initializers (constants of every subgraph too), the names claimed in every scope, equal constants.
    private readonly List<ProtoWriter> _initializers = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private int _next;

    /// <param name="opset">The default domain's operator set the graph imports (<see cref="OpsetVersion"/> unless its operators need a later one).</param>
    public OnnxGraph(string name, int opset = OpsetVersion)
    {
        Name = name;
        Opset = opset;
        _root = this;
    }

    private OnnxGraph(string name, OnnxGraph root)
    {
        Name = name;
        Opset = root.Opset;
        _root = root;
    }

    public string Name { get; }

    public int Opset { get; }

    /// <summary>A graph to be the body of a control-flow node of this one (<see cref="GraphAttribute"/>): it may use this graph's values by name.</summary>
    public OnnxGraph Subgraph(string name) => new(name, _root);

    /// <summary>Declares a graph input of shape [batch, width] (or [batch] when width is null).</summary>
    public string Input(string name, OnnxType type, int? width)
    {
        Claim(name);
        _inputs.Add(ValueInfo(name, type, width is int w ? ["batch", w] : ["batch"]));
        return name;
    }

    /// <summary>Declares a graph input of the given shape (each dimension a size or a symbolic name; null: a shape not given, as loop bodies' inputs may have).</summary>
    public string ShapedInput(string name, OnnxType type, object[]? shape)
    {
        Claim(name);
        _inputs.Add(ValueInfo(name, type, shape));
        return name;
    }

    /// <summary>Declares <paramref name="value"/> (an existing value) as the graph output <paramref name="name"/>, of shape [batch].</summary>
    public void Output(string name, string value, OnnxType type) => Output(name, value, type, ["batch"]);

    /// <summary>Declares <paramref name="value"/> as the output <paramref name="name"/> of the given shape (null: not given).</summary>
    public void Output(string name, string value, OnnxType type, object[]? shape)
    {
        Claim(name);
        Node("Identity", [value], name);
        _outputs.Add(ValueInfo(name, type, shape));
    }

    public string Constant(ReadOnlySpan<float> values, params long[] dims) =>
        Tensor(OnnxType.Float, dims, MemoryMarshal.AsBytes(values));

    public string Constant(ReadOnlySpan<double> values, params long[] dims) =>
        Tensor(OnnxType.Double, dims, MemoryMarshal.AsBytes(values));

    public string Constant(ReadOnlySpan<long> values, params long[] dims) =>
        Tensor(OnnxType.Int64, dims, MemoryMarshal.AsBytes(values));

    public string Scalar(double value) => Constant([value]);

    public string Scalar(float value) => Constant([value]);

    public string Scalar(long value) => Constant([value]);

    /// <summary>A one-dimensional constant of integers stored as <paramref name="type"/> (bool, unsigned or signed integers).</summary>
    public string IntegerConstant(OnnxType type, IReadOnlyList<ulong> values)
    {
        int size = type switch
        {
            OnnxType.Bool or OnnxType.UInt8 or OnnxType.Int8 => 1,
            OnnxType.UInt16 or OnnxType.Int16 => 2,
            OnnxType.UInt32 or OnnxType.Int32 => 4,
            OnnxType.UInt64 or OnnxType.Int64 => 8,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not an integer type."),
        };
        var bytes = new byte[values.Count * size];
        for (int i = 0; i < values.Count; i++)
        {
            // Little-endian, truncated to the element size: the raw_data layout ONNX specifies.
            for (int b = 0; b < size; b++) bytes[i * size + b] = (byte)(values[i] >> (8 * b));
        }
        return Tensor(type, [values.Count], bytes);
    }

    public string StringConstant(IReadOnlyList<string> values)
    {
        var root = _root;
        string key = "strings:" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Concat(values.Select(v => $"{v.Length}:{v}")))));
        if (root._constants.TryGetValue(key, out var existing)) return existing;
        string name = Fresh();
        var tensor = new ProtoWriter().Int64(1, values.Count).Int64(2, (long)OnnxType.String);
        foreach (var v in values) tensor.Bytes(6, System.Text.Encoding.UTF8.GetBytes(v));
        tensor.String(8, name);
        root._initializers.Add(tensor);
        root._constants[key] = name;
        return name;
    }

    /// <summary>Adds a node of the default domain with one output; returns the output's name.</summary>
    public string Node(string op, string[] inputs, params (string Name, object Value)[] attributes) =>
        Node(op, inputs, Fresh(), attributes);

    /// <summary>Adds a node with <paramref name="outputCount"/> outputs (a Loop's final values); returns their names.</summary>
    public string[] Nodes(string op, string[] inputs, int outputCount, params (string Name, object Value)[] attributes)
    {
        var outputs = Enumerable.Range(0, outputCount).Select(_ => Fresh()).ToArray();
        Add(op, inputs, outputs, attributes);
        return outputs;
    }

    private string Node(string op, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        Add(op, inputs, [output], attributes);
        return output;
    }

    private void Add(string op, string[] inputs, string[] outputs, (string Name, object Value)[] attributes)
    {
        var node = new ProtoWriter();
        foreach (var i in inputs) node.String(1, i);
        foreach (var o in outputs) node.String(2, o);
        node.String(3, outputs[0] + "/" + op).String(4, op);
        foreach (var (name, value) in attributes) node.Message(5, Attribute(name, value));
        _nodes.Add(node);
    }

    /// <summary>A graph-valued attribute (a Loop's body): pass it as an attribute value.</summary>
    public sealed record GraphAttribute(OnnxGraph Graph);

    /// <summary>The ModelProto bytes: this graph, opset imports, producer and the metadata properties given.</summary>
    public byte[] ToModel(string producerVersion, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        if (_root != this) throw new InvalidOperationException($"'{Name}' is a subgraph: write the main graph.");
        var graph = ToGraph();

        var model = new ProtoWriter()
            .Int64(1, IrVersion)
            .String(2, "Microsoft.ML.Gan")
            .String(3, producerVersion)
            .String(4, "microsoft.ml.gan")
            .Int64(5, 1)
            .Message(7, graph)
            .Message(8, new ProtoWriter().String(1, "").Int64(2, Opset));
        foreach (var (key, value) in metadata) model.Message(MetadataPropsField, new ProtoWriter().String(1, key).String(2, value));
        return model.ToArray();
    }

    /// <summary>The GraphProto: nodes, name, initializers (the main graph's only), inputs, outputs.</summary>
    private ProtoWriter ToGraph()
    {
        var graph = new ProtoWriter();
        foreach (var n in _nodes) graph.Message(1, n);
        graph.String(2, Name);
        if (_root == this)
            foreach (var t in _initializers) graph.Message(5, t);
        foreach (var i in _inputs) graph.Message(11, i);
        foreach (var o in _outputs) graph.Message(12, o);
        return graph;
    }

    private string Tensor(OnnxType type, long[] dims, ReadOnlySpan<byte> raw)
    {
        var root = _root;
        string key = $"{(int)type}:{string.Join(',', dims)}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(raw))}";
        if (root._constants.TryGetValue(key, out var existing)) return existing;
        string name = Fresh();
        root._initializers.Add(new ProtoWriter().Int64s(1, dims).Int64(2, (long)type).String(8, name).Bytes(9, raw));
        root._constants[key] = name;
        return name;
    }

    private static ProtoWriter ValueInfo(string name, OnnxType type, object[]? shape)
    {
        var tensorType = new ProtoWriter().Int64(1, (long)type);
        if (shape is not null)
        {
            var dims = new ProtoWriter();
            foreach (var d in shape)
                dims.Message(1, d is string symbol ? new ProtoWriter().String(2, symbol) : new ProtoWriter().Int64(1, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture)));
            tensorType.Message(2, dims);
        }
        return new ProtoWriter().String(1, name).Message(2, new ProtoWriter().Message(1, tensorType));
    }

    private static ProtoWriter Attribute(string name, object value)
    {
        var a = new ProtoWriter().String(1, name);
        switch (value)
        {
            case int i: return a.Int64(3, i).Int64(20, 2);
            case long l: return a.Int64(3, l).Int64(20, 2);
            case float f: return a.Float(2, f).Int64(20, 1);
            case string text: return a.Bytes(4, System.Text.Encoding.UTF8.GetBytes(text)).Int64(20, 3);
            case long[] ls: return a.Int64s(8, ls).Int64(20, 7);
            case GraphAttribute sub: return a.Message(6, sub.Graph.ToGraph()).Int64(20, 5);
            default: throw new ArgumentException($"Attribute '{name}': unsupported value type {value.GetType().Name}.", nameof(value));
        }
    }

    private string Fresh()
    {
        string name = Prefix + _root._next++;
        Claim(name);
        return name;
    }

    private void Claim(string name)
    {
        if (!_root._names.Add(name))
            throw new InvalidOperationException($"The ONNX graph already has a value named '{name}': graph inputs and outputs need distinct names.");
    }
}
