"""The network canvas: `view.NetworkView` (the widget) shows a `scene.NetworkScene` of a
Document. Geometry (`layout`), what is shown (`state.Overlay`, `playback`) and the
keyboard model (`keyboard`) are plain modules with no Qt; the items (`items`, `edges`,
`pulses`) draw from them in the app's palette (`visualizer.gui.style`)."""
