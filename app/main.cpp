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

    RunOptions run;
    CLI::App* runCmd =
        cli.add_subcommand("run", "Run a model once in Litescope's runtime and summarise its outputs");
    runCmd->add_option("MODEL", run.modelPath, "the .tflite file")->required();
    runCmd->add_option("--input-dir", run.inputDir,
                       "read input K from DIR/input_K.bin (raw bytes, exactly the tensor's size)");
    runCmd->add_option("--output-dir", run.outputDir, "write output K to DIR/output_K.bin");
    runCmd->add_option("--threads", run.threads, "threads for the heavy kernels")->check(CLI::Range(1, 256));
    runCmd->add_option("--signature", run.signature, "run this SignatureDef instead of subgraph 0");
    runCmd->add_option(
        "--check", run.checkDir,
        "compare the outputs with a reference folder (manifest.json, input_K.bin, output_K.bin); "
        "its inputs are used unless --input-dir is given");

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
    return runGui(argc, argv, gui);
}
