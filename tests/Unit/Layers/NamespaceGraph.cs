using System.Reflection;
using Mono.Cecil;

namespace Vae.Tests.Unit.Layers;

/// <summary>
/// Which namespaces of one assembly use which others, read from its IL with Mono.Cecil: base types, interfaces,
/// attributes, fields, properties, signatures, locals and every type, method or field an instruction names. Nested and
/// compiler-generated types (closures, iterators, records' helpers) count for the namespace of the type that declares them.
/// </summary>
internal sealed class NamespaceGraph
{
    /// <summary>namespace → namespace it uses → one type pair that shows the use ("Runs.Reproducer uses Cli.ConsoleProgress").</summary>
    public IReadOnlyDictionary<string, Dictionary<string, string>> Edges { get; }

    NamespaceGraph(Dictionary<string, Dictionary<string, string>> edges) => Edges = edges;

    public static NamespaceGraph Of(Assembly assembly)
    {
        using var module = ModuleDefinition.ReadModule(assembly.Location);
        var edges = new Dictionary<string, Dictionary<string, string>>();
        foreach (var type in module.GetTypes())
        {
            string from = NamespaceOf(type);
            if (from.Length == 0 || from.StartsWith('<')) continue; // <Module>, the compilers' top-level helpers (F#'s <StartupCode$…>)
            foreach (var used in UsedTypes(type))
            {
                if (used.Scope is not ModuleDefinition scope || scope != module) continue; // another assembly
                string to = NamespaceOf(used);
                if (to.Length == 0 || to.StartsWith('<') || to == from) continue;
                var targets = edges.TryGetValue(from, out var t) ? t : edges[from] = [];
                targets.TryAdd(to, $"{Outer(type).FullName} uses {Outer(used).FullName}");
            }
        }
        return new NamespaceGraph(edges);
    }

    /// <summary>A cycle of namespaces, each using the next and the last the first, with the evidence of each use; or null.</summary>
    public IReadOnlyList<string>? FindCycle()
    {
        var state = new Dictionary<string, int>(); // 1: on the current path, 2: done
        var path = new List<string>();
        IReadOnlyList<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in Edges.TryGetValue(node, out var t) ? t.Keys.Order() : Enumerable.Empty<string>())
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    var cycle = path.Skip(path.IndexOf(next)).Append(next).ToList();
                    return cycle.Zip(cycle.Skip(1), (a, b) => $"{a} → {b} ({Edges[a][b]})").ToList();
                }
                if (state.GetValueOrDefault(next) == 0 && Visit(next) is { } found) return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in Edges.Keys.Order())
            if (state.GetValueOrDefault(node) == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }

    /// <summary>Every edge with its evidence, one a line, for a failure message or a maintainer's look.</summary>
    public override string ToString() =>
        string.Join("\n", Edges.OrderBy(e => e.Key).SelectMany(e => e.Value.OrderBy(t => t.Key).Select(t => $"{e.Key} → {t.Key} ({t.Value})")));

    static TypeReference Outer(TypeReference type)
    {
        while (type.DeclaringType is not null) type = type.DeclaringType;
        return type;
    }

    static string NamespaceOf(TypeReference type) => Outer(type).Namespace;

    static IEnumerable<TypeReference> UsedTypes(TypeDefinition type)
    {
        var found = new List<TypeReference>();
        void Add(TypeReference? t)
        {
            switch (t)
            {
                case null: return;
                case GenericInstanceType g:
                    Add(g.ElementType);
                    foreach (var a in g.GenericArguments) Add(a);
                    return;
                case TypeSpecification s: Add(s.ElementType); return; // arrays, by-ref, pointers, modifiers
                case GenericParameter: return;
                default: found.Add(t); return;
            }
        }
        void AddAttributes(IEnumerable<CustomAttribute> attributes)
        {
            foreach (var a in attributes) Add(a.AttributeType);
        }
        void AddMember(MemberReference member)
        {
            Add(member.DeclaringType);
            switch (member)
            {
                case MethodReference m:
                    Add(m.ReturnType);
                    foreach (var p in m.Parameters) Add(p.ParameterType);
                    if (m is GenericInstanceMethod gm) foreach (var a in gm.GenericArguments) Add(a);
                    break;
                case FieldReference f: Add(f.FieldType); break;
            }
        }

        Add(type.BaseType);
        foreach (var i in type.Interfaces) Add(i.InterfaceType);
        AddAttributes(type.CustomAttributes);
        foreach (var f in type.Fields) { Add(f.FieldType); AddAttributes(f.CustomAttributes); }
        foreach (var p in type.Properties) { Add(p.PropertyType); AddAttributes(p.CustomAttributes); }
        foreach (var e in type.Events) Add(e.EventType);
        foreach (var m in type.Methods)
        {
            AddAttributes(m.CustomAttributes);
            Add(m.ReturnType);
            foreach (var p in m.Parameters) Add(p.ParameterType);
            if (!m.HasBody) continue;
            foreach (var v in m.Body.Variables) Add(v.VariableType);
            foreach (var instruction in m.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t: Add(t); break;
                    case MemberReference r: AddMember(r); break;
                }
            }
        }
        return found;
    }
}
