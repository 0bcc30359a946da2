from visualizer.launch import main

raise SystemExit(main())
