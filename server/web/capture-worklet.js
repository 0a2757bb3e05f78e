// AudioWorklet: collects the microphone's mono Float32 samples at the
// AudioContext's own rate into frames of `frameSamples` and posts each frame
// (its buffer transferred) to the main thread.
class CaptureProcessor extends AudioWorkletProcessor {
  constructor(options) {
    super();
    this.frameSamples = options.processorOptions.frameSamples;
    this.frame = new Float32Array(this.frameSamples);
    this.fill = 0;
  }

  process(inputs) {
    const input = inputs[0];
    if (!input || input.length === 0) return true;
    const channels = input.length;
    const n = input[0].length;
    for (let i = 0; i < n; i++) {
      let x = 0;
      for (let c = 0; c < channels; c++) x += input[c][i];
      this.frame[this.fill++] = x / channels;
      if (this.fill === this.frameSamples) {
        this.port.postMessage(this.frame, [this.frame.buffer]);
        this.frame = new Float32Array(this.frameSamples);
        this.fill = 0;
      }
    }
    return true;
  }
}

registerProcessor('orator-capture', CaptureProcessor);
