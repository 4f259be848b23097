package dev.bella.svgd;

/** How {@link Svgd#sample} turns the direction \( \phi \) into a step of size \( \epsilon \). */
public enum StepRule {
    /** Plain ascent: \( x \leftarrow x + \epsilon \phi \). */
    PLAIN,

    /**
     * AdaGrad with momentum, as in Liu &amp; Wang's {@code svgd.py}: \( v \leftarrow \phi^2 \) at
     * the first step, then \( v \leftarrow \alpha v + (1 - \alpha) \phi^2 \), and \( x \leftarrow x
     * + \epsilon \phi / (10^{-6} + \sqrt{v}) \), elementwise (\( \alpha \) is {@link
     * Svgd.Builder#optMomentum}, 0.9 by default).
     */
    ADAGRAD
}
