// Quickstart (F# script): dotnet fsi examples/fsharp/quickstart.fsx [output folder]
// after packing the libraries: dotnet pack Vae.sln -c Release -o artifacts/packages
// The same steps as the console app (Quickstart/Quickstart.fs), so both print the same numbers.
#r "nuget: Vae.FSharp"
#r "nuget: TorchSharp-cpu, 0.107.0"
#load "Quickstart/Quickstart.fs"

let outDir = match fsi.CommandLineArgs with [| _; dir |] -> dir | _ -> "quickstart-fsx"
match Quickstart.run outDir with
| Ok () -> ()
| Error e ->
    eprintfn "quickstart: %s" e.Message
    exit 1
