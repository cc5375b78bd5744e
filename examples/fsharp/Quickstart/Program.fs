// Quickstart (F#), the console app: dotnet run --project examples/fsharp/Quickstart [output folder]
// (after: dotnet pack Vae.sln -c Release -o artifacts/packages). The steps are in Quickstart.fs.

[<EntryPoint>]
let main argv =
    let outDir = if argv.Length > 0 then argv[0] else "quickstart-fsharp"
    match Quickstart.run outDir with
    | Ok () -> 0
    | Error e ->
        eprintfn "quickstart: %s" e.Message
        1
