#pragma once
// tg::data: datasets, the DataLoader, transforms and Fashion-MNIST.
#include "tapegrad/data/dataloader.h"
#include "tapegrad/data/dataset.h"
#include "tapegrad/data/dataset_views.h"
#include "tapegrad/data/fashion_mnist.h"
#include "tapegrad/data/sampler.h"
#include "tapegrad/data/transforms.h"
