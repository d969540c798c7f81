// The one way host/ code sees Vulkan: through volk, which loads the loader at run time.
#pragma once
#include <volk.h>
