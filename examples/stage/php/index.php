<?php
// A staged file for the demo: `deploy sync-file php/index.php "my first deploy"`.
echo "Hello from the fleet\n";
