<?php
$wgSitename = 'Demo';
