// litescope: with no sub-command, the desktop inspector; with one, a headless command for scripts and CI.
#include <CLI/CLI.hpp>
#include <iostream>

#include "app/commands.h"

int main(int argc, char** argv) {
    using namespace litescope::app;
    CLI::App cli{"Litescope: inspect, run and profile TensorFlow Lite models", "litescope"};
    cli.set_version_flag("--version", std::string("litescope ") + LITESCOPE_VERSION);
    cli.require_subcommand(0, 1);

    InspectOptions inspect;
    bool noWeights = false;
    CLI::App* inspectCmd = cli.add_subcommand("inspect",
                                              "Print what a model contains: subgraphs, inputs and outputs, "
                                              "ops, weights, quantization, metadata");
    inspectCmd->add_option("MODEL", inspect.modelPath, "the .tflite file")->required();
    inspectCmd->add_flag("--json", inspect.json, "print one JSON document instead of text");
    inspectCmd->add_flag("--operators", inspect.operators,
                         "list every operator with its inputs and outputs (text)");
    inspectCmd->add_flag("--no-weights", noWeights, "leave out the per-tensor weight statistics (text)");

    GuiOptions gui;
    cli.add_option("MODEL", gui.modelPaths,
                   "open these .tflite files in the desktop app, one tab each (default: the demo model)");
    cli.add_option("--screenshot", gui.screenshotPath,
                   "render the window offscreen at 1600x1000, save it as a PNG and exit");
    cli.add_option("--view", gui.view, "the page shown first: graph, operators or tensors")
        ->check(CLI::IsMember({"graph", "operators", "tensors"}));
    cli.add_option("--find", gui.find,
                   "once loaded, find this in the graph and select the first match: an op type or name, "
                   "a tensor name, #OP_INDEX or t:TENSOR_INDEX");
    cli.add_flag("--demo-int8", gui.demoInt8, "open the int8 demo model instead of the float one");
    cli.add_flag("--delegation", gui.delegation,
                 "outline every operator by the XNNPACK partition that would run it (View > Show XNNPACK "
                 "Partitions); a screenshot then selects the first delegated operator");

    RunOptions run;
    CLI::App* runCmd =
        cli.add_subcommand("run", "Run a model once in Litescope's runtime and summarise its outputs");
    runCmd->add_option("MODEL", run.modelPath, "the .tflite file")->required();
    runCmd->add_option("--input-dir", run.inputDir,
                       "read input K from DIR/input_K.bin (raw bytes, exactly the tensor's size)");
    runCmd->add_option("--output-dir", run.outputDir, "write output K to DIR/output_K.bin");
    runCmd->add_option("--threads", run.threads, "threads for the heavy kernels")->check(CLI::Range(1, 256));
    runCmd->add_option("--signature", run.signature, "run this SignatureDef instead of subgraph 0");
    runCmd->add_option("--delegate", run.delegate, "none or xnnpack")
        ->check(CLI::IsMember({"none", "xnnpack"}));
    runCmd->add_flag(
        "--explain", run.explain,
        "list the delegate's partitions and why each other operator stays on the builtin kernels");
    runCmd
        ->add_option("--delegate-exclude", run.delegateExclude,
                     "op names the delegate must leave to the builtin kernels (CONV_2D,ADD,...)")
        ->delimiter(',');
    runCmd->add_option("--max-partitions", run.maxPartitions, "keep only the N largest partitions")
        ->check(CLI::Range(0, 1'000'000));
    runCmd->add_flag("--require-full-delegation", run.requireFullDelegation,
                     "fail (exit 3) when any operator would stay on the builtin kernels");
    runCmd->add_flag(
        "--delegate-quantized", run.delegateQuantized,
        "let XNNPACK take quantized (int8/uint8) operators too: faster, but it rounds differently "
        "from TensorFlow Lite (outputs then checked within one quantum)");
    runCmd->add_option(
        "--check", run.checkDir,
        "compare the outputs with a reference folder (manifest.json, input_K.bin, output_K.bin); "
        "its inputs are used unless --input-dir is given");

    ProfileOptions profile;
    bool noOverhead = false;
    CLI::App* profileCmd = cli.add_subcommand(
        "profile",
        "Time every layer over repeated runs and report like benchmark_model's op profiling; export CSV, "
        "Chrome/Perfetto trace, JSON and Model Explorer node data; save to the history");
    profileCmd->add_option("MODEL", profile.modelPath, "the .tflite file")->required();
    profileCmd->add_option("--runs", profile.runs, "counted runs, at least (see --min-secs)")
        ->check(CLI::Range(0, 100'000'000));
    profileCmd
        ->add_option("--min-secs", profile.minSeconds,
                     "keep running until the counted runs have taken this long")
        ->check(CLI::Range(0.0, 86400.0));
    profileCmd->add_option("--max-secs", profile.maxSeconds, "stop counting runs after this long")
        ->check(CLI::Range(0.001, 86400.0));
    profileCmd->add_option("--warmup", profile.warmup, "warm-up runs before counting, at least")
        ->check(CLI::Range(0, 1'000'000));
    profileCmd
        ->add_option("--warmup-min-secs", profile.warmupMinSeconds,
                     "keep warming up until this long has passed (default 0.5)")
        ->check(CLI::Range(0.0, 3600.0));
    profileCmd->add_option("--delay", profile.delaySeconds, "seconds to sleep between runs")
        ->check(CLI::Range(0.0, 3600.0));
    profileCmd->add_option("--threads", profile.threads, "threads for the heavy kernels")
        ->check(CLI::Range(1, 256));
    profileCmd->add_option("--delegate", profile.delegate, "none or xnnpack")
        ->check(CLI::IsMember({"none", "xnnpack"}));
    profileCmd->add_flag(
        "--explain", profile.explain,
        "list the delegate's partitions and why each other operator stays on the builtin kernels");
    profileCmd->add_flag(
        "--compare-delegates", profile.compareDelegates,
        "run without and with the delegate (xnnpack unless --delegate names one), alternating, "
        "and print total and per-node speed-ups");
    profileCmd
        ->add_option("--delegate-exclude", profile.delegateExclude,
                     "op names the delegate must leave to the builtin kernels (CONV_2D,ADD,...)")
        ->delimiter(',');
    profileCmd->add_option("--max-partitions", profile.maxPartitions, "keep only the N largest partitions")
        ->check(CLI::Range(0, 1'000'000));
    profileCmd->add_flag("--require-full-delegation", profile.requireFullDelegation,
                         "fail (exit 3) when any operator would stay on the builtin kernels");
    profileCmd->add_flag("--delegate-quantized", profile.delegateQuantized,
                         "let XNNPACK take quantized (int8/uint8) operators too");
    profileCmd->add_option("--input", profile.inputs,
                           "NAME=FILE or FILE (next input by position): a NumPy .npy array, or raw bytes of "
                           "exactly the input's size; inputs not given are random");
    profileCmd->add_option("--seed", profile.seed, "seed of the random inputs");
    profileCmd->add_option("--signature", profile.signature,
                           "profile this SignatureDef instead of subgraph 0");
    profileCmd->add_option("--top", profile.top, "rows in the Top by Computation Time table")
        ->check(CLI::Range(0, 1'000'000));
    profileCmd->add_flag("--no-overhead", noOverhead, "skip measuring what the per-node timing costs");
    profileCmd->add_option("--csv", profile.csvPath,
                           "write one row per node (benchmark_model's columns first)");
    profileCmd->add_option("--trace", profile.tracePath,
                           "write a Chrome trace (open in Perfetto or chrome://tracing)");
    profileCmd->add_option("--json", profile.jsonPath, "write everything as JSON");
    profileCmd->add_option("--model-explorer", profile.modelExplorerPath,
                           "write per-node latency as Model Explorer node data");
    profileCmd->add_flag("--save", profile.save, "save the profile in the history database");
    profileCmd->add_option("--history", profile.historyPath,
                           "the history database (default: in the user's data folder)");
    profileCmd->add_flag("-q,--quiet", profile.quiet, "print no report (exports only)");

    HistoryOptions history;
    CLI::App* historyCmd =
        cli.add_subcommand("history", "List saved profiles, newest first, for one model or all of them");
    historyCmd->add_option("MODEL", history.model,
                           "a .tflite file (every version with the same bytes or file name) or a file name");
    historyCmd->add_option("--history", history.historyPath, "the history database");
    historyCmd->add_option("--limit", history.limit, "at most this many (0: all)")
        ->check(CLI::Range(0, 100'000'000));
    historyCmd->add_flag("--json", history.json, "print a JSON array");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = cli.exit(e);
        return code == 0 ? kExitOk : kExitFailure;
    }

    if (*inspectCmd) {
        inspect.weights = !noWeights;
        return runInspect(inspect);
    }
    if (*runCmd) return runRun(run);
    if (*profileCmd) {
        profile.overhead = !noOverhead;
        return runProfile(profile);
    }
    if (*historyCmd) return runHistory(history);
    return runGui(argc, argv, gui);
}
