using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Vae.Experiments.Cli;

/// <summary>Turns the parser's errors into the one line the CLI prints: the most specific error, on one line, with a "did you mean".</summary>
internal static partial class ParseErrors
{
    /// <summary>One line for <paramref name="parsed"/>'s errors (which must not be empty).</summary>
    public static string OneLine(ParseResult parsed)
    {
        // "Required command was not provided" also comes with an unknown word; the unknown word says more.
        var error = parsed.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parsed.Errors[0];
        string message = error.Message;
        var command = parsed.CommandResult.Command;

        var unknown = Unrecognized().Match(message);
        if (unknown.Success)
        {
            string word = unknown.Groups[1].Value;
            var candidates = word.StartsWith('-')
                ? command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name))
                : command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            string where = command.Parents.Any() ? $"'{command.Name}'" : "vae";
            string names = word.StartsWith('-') ? "option" : "command";
            return $"unknown {names} '{word}' for {where}{DidYouMean(word, candidates)}";
        }
        var notAllowed = NotOneOf().Match(message);
        if (notAllowed.Success)
        {
            var allowed = Quoted().Matches(notAllowed.Groups[2].Value).Select(m => m.Groups[1].Value).ToList();
            return $"'{notAllowed.Groups[1].Value}' is not one of {string.Join(", ", allowed)}{DidYouMean(notAllowed.Groups[1].Value, allowed)}";
        }
        var type = CannotParse().Match(message);
        if (type.Success)
            return $"{type.Groups[2].Value} expects {TypeName(type.Groups[3].Value)}, got '{type.Groups[1].Value}'";
        return Regex.Replace(message, @"\s*\n\s*", " ");
    }

    static string TypeName(string clrType) => clrType switch
    {
        "System.Int32" or "System.Int64" => "an integer",
        "System.Double" or "System.Single" => "a number",
        _ when clrType.StartsWith("System.Nullable`1[System.Int", StringComparison.Ordinal) => "an integer",
        _ => "a value of type " + clrType,
    };

    /// <summary>", did you mean 'x'?" for the closest candidate within a third of the word's length in edits, else "".</summary>
    public static string DidYouMean(string word, IEnumerable<string> candidates)
    {
        var best = candidates.Distinct().Select(c => (Name: c, Distance: Levenshtein(word, c))).OrderBy(c => c.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, word.Length / 3) ? $"; did you mean '{best.Name}'?" : "";
    }

    static int Levenshtein(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int next = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = row[j];
                row[j] = next;
            }
        }
        return row[b.Length];
    }

    [GeneratedRegex(@"^Unrecognized command or argument '(.*)'")]
    private static partial Regex Unrecognized();

    [GeneratedRegex(@"Argument '(.*)' not recognized\. Must be one of:(.*)", RegexOptions.Singleline)]
    private static partial Regex NotOneOf();

    [GeneratedRegex(@"'([^']*)'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"Cannot parse argument '(.*)' for option '(.*)' as expected type '(.*)'")]
    private static partial Regex CannotParse();
}
