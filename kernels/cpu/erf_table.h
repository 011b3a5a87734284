#pragma once
// The coefficients of the float32 erf of vec_math.h (erf8, 8 lanes) and vec_math_avx512.cpp
// (erf16): [0, 4) in 8 pieces of width 1/2, a degree-7 polynomial in |x| - centre on each, each
// lane's coefficients picked by one permute. Fitted and checked by scripts/fit_erf_table.py
// (which prints this table): within 1.1 ulp of the exact erf (CUDA's erff promises 2). The first
// piece is centred on 0 with no constant term, for erf's relative accuracy near 0, and its linear
// coefficient is c1 - 1: the kernels add |x| itself exactly in the last step. From 4 on, erf is 1
// in float. Both widths evaluate it the same way, so values do not depend on the CPU.

namespace tg::kernels::cpu {

alignas(32) inline constexpr float kErfCoef[8][8] = {
    {0.0f, 0.711155653f, 0.92290014f, 0.986671686f, 0.998537302f, 0.999899387f, 0.999995708f, 0.999999881f},
    {0.128379181f, 0.642931044f, 0.236521125f, 0.0527749956f, 0.00714231934f, 0.000586277281f, 2.91890119e-05f,
     8.81428832e-07f},
    {-1.52609175e-06f, -0.482198149f, -0.295651734f, -0.092356205f, -0.0160701573f, -0.00161226746f, -9.48693341e-05f,
     -3.30607099e-06f},
    {-0.376078635f, 0.0267881006f, 0.16753605f, 0.0901573822f, 0.0217245109f, 0.00276038027f, 0.000195812623f,
     7.97032772e-06f},
    {-0.000554451137f, 0.15067561f, -0.00613196101f, -0.0481055267f, -0.0190882571f, -0.00325771049f, -0.000286169437f,
     -1.37854086e-05f},
    {0.115838625f, -0.0532091074f, -0.0471916944f, 0.00661859894f, 0.0106600877f, 0.00275629084f, 0.000313628843f,
     1.83300563e-05f},
    {-0.00793613866f, -0.0265825633f, 0.0205969494f, 0.00904952455f, -0.00277955667f, -0.00166785065f, -0.000273758458f,
     -2.06924306e-05f},
    {-0.0180231333f, 0.0178126246f, 0.00379214878f, -0.0059342552f, -0.000721785764f, 0.000635817123f, 0.000173596622f,
     1.71447591e-05f},
};
alignas(32) inline constexpr float kErfCentre[8] = {0.0f, 0.75f, 1.25f, 1.75f, 2.25f, 2.75f, 3.25f, 3.75f};

}  // namespace tg::kernels::cpu
